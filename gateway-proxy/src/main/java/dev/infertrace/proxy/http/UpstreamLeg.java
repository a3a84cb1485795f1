package dev.infertrace.proxy.http;

import dev.infertrace.proxy.config.ProxyDefaults;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.annotation.Nullable;

/**
 * The proxy's connection to the upstream for one exchange: taken from the pool or opened on the
 * client's event loop, the request written with backpressure (the client is read again only when
 * the upstream took what was written), and at the end given back to the pool or closed. The
 * response comes back through the {@link BackendHandler} to {@link UpstreamEvents}.
 */
final class UpstreamLeg {
  private static final int MAX_INITIAL_LINE = 4096;

  /** Netty's default: response bodies are relayed in parts of at most this size. */
  private static final int MAX_CHUNK = 8192;

  private final UpstreamPool pool;
  private final ChannelHandlerContext client;
  private final UpstreamEvents events;
  private final URI uri;
  private final String authority;
  private final int maxHeaderBytes;
  @Nullable private Channel channel;
  private boolean closed;

  UpstreamLeg(UpstreamPool pool, ChannelHandlerContext client, URI uri, UpstreamEvents events) {
    this(pool, client, uri, events, Integer.parseInt(ProxyDefaults.UPSTREAM_MAX_HEADER_BYTES));
  }

  /** {@code maxHeaderBytes}: a larger response head is a decoder failure, reported at once. */
  UpstreamLeg(
      UpstreamPool pool,
      ChannelHandlerContext client,
      URI uri,
      UpstreamEvents events,
      int maxHeaderBytes) {
    this.maxHeaderBytes = maxHeaderBytes;
    this.pool = pool;
    this.client = client;
    this.events = events;
    this.uri = uri;
    this.authority = uri.getHost() + ":" + port(uri);
  }

  URI uri() {
    return uri;
  }

  /** {@code host:port}, as the {@code Host} header and the pool name it. */
  String authority() {
    return authority;
  }

  /**
   * A pooled connection, at once, or a new one: {@code connected} runs on the event loop once the
   * leg can send, {@code failed} when the connect fails. A leg closed meanwhile drops the new
   * connection and reports nothing.
   */
  void open(Duration connectTimeout, Runnable connected, Consumer<Throwable> failed) {
    Channel pooled = pool.take(authority);
    if (pooled != null) {
      attach(pooled);
      connected.run();
      return;
    }
    new Bootstrap()
        .group(client.channel().eventLoop())
        .channel(Transport.socketChannelFor(client.channel()))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.RCVBUF_ALLOCATOR, Transport.readBuffers())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(
                        "idle",
                        new IdleStateHandler(
                            0, 0, UpstreamPool.IDLE_CLOSE.toMillis(), TimeUnit.MILLISECONDS))
                    .addLast(
                        "codec", new HttpClientCodec(MAX_INITIAL_LINE, maxHeaderBytes, MAX_CHUNK))
                    .addLast("backend", new BackendHandler());
              }
            })
        .connect(uri.getHost(), port(uri))
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (closed) { // the exchange ended meanwhile (the client went away)
                    f.channel().close();
                  } else if (!f.isSuccess()) {
                    failed.accept(f.cause());
                  } else {
                    attach(f.channel());
                    connected.run();
                  }
                });
  }

  private void attach(Channel ch) {
    channel = ch;
    backend(ch).events = events;
  }

  /**
   * Sends the request head with the body gathered so far ({@code complete}: all of it, with its
   * length), then reads the response; {@code written} runs once the upstream took the bytes.
   */
  void send(HttpRequest head, ByteBuf body, boolean complete, Runnable written) {
    Channel ch = channel;
    if (complete) {
      HttpUtil.setContentLength(head, body.readableBytes());
      HttpUtil.setTransferEncodingChunked(head, false);
    }
    ch.write(head);
    HttpContent first = complete ? HttpParts.last(body) : new DefaultHttpContent(body);
    ch.writeAndFlush(first)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) { // a failed write: channelInactive reports it
                    written.run();
                  }
                });
    ch.read();
  }

  /**
   * Forwards one later part of the request body; {@code written} runs once the upstream took it.
   */
  void forward(HttpContent part, Runnable written) {
    HttpContent out =
        part instanceof LastHttpContent
            ? HttpParts.last(part.content())
            : new DefaultHttpContent(part.content());
    channel
        .writeAndFlush(out)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    written.run();
                  }
                });
  }

  /** Reads the next part of the response, while the leg holds an open connection. */
  void read() {
    Channel ch = channel;
    if (ch != null && ch.isActive()) {
      ch.read();
    }
  }

  /** The exchange is over: a connection that may carry another request goes back to the pool. */
  void release(boolean reusable) {
    Channel ch = detach();
    if (ch == null) {
      return;
    }
    if (reusable) {
      pool.give(authority, ch);
    } else {
      ch.close();
    }
  }

  /** Abandons the leg: its connection (or the one still being opened) is closed. */
  void close() {
    Channel ch = detach();
    if (ch != null) {
      ch.close();
    }
  }

  @Nullable
  private Channel detach() {
    closed = true;
    Channel ch = channel;
    channel = null;
    if (ch != null) {
      backend(ch).events = null;
    }
    return ch;
  }

  private static BackendHandler backend(Channel ch) {
    return (BackendHandler) ch.pipeline().get("backend");
  }

  static int port(URI u) {
    return u.getPort() > 0 ? u.getPort() : 80;
  }
}
