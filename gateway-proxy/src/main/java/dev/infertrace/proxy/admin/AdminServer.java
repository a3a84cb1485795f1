package dev.infertrace.proxy.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin listener of a proxy process: {@code GET /metrics} (an OpenMetrics page), {@code
 * /health} (200 while the process runs), {@code /ready} (200 while the proxy listens, 503 after).
 * It knows the proxy only through two suppliers, so any role (and the epp interposer) can have one.
 */
public final class AdminServer implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel channel;

  private AdminServer(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  /**
   * Binds {@code address} and serves; throws when it cannot be bound.
   *
   * @param metrics the {@code /metrics} page in the OpenMetrics text format, rendered per request
   * @param ready whether the proxy is listening, asked per {@code /ready} request
   */
  public static AdminServer start(
      InetSocketAddress address, Supplier<String> metrics, BooleanSupplier ready)
      throws InterruptedException {
    java.util.Objects.requireNonNull(address, "address");
    java.util.Objects.requireNonNull(metrics, "metrics");
    java.util.Objects.requireNonNull(ready, "ready");
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("proxy-admin", true), NioIoHandler.newFactory());
    Handler handler = new Handler(metrics, ready);
    try {
      Channel ch =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                      c.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpServerKeepAliveHandler())
                          .addLast(new HttpObjectAggregator(64 * 1024))
                          .addLast(handler);
                    }
                  })
              .bind(address)
              .sync()
              .channel();
      return new AdminServer(group, ch);
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @ChannelHandler.Sharable
  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Supplier<String> metrics;
    private final BooleanSupplier ready;

    Handler(Supplier<String> metrics, BooleanSupplier ready) {
      this.metrics = metrics;
      this.ready = ready;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      String path = new QueryStringDecoder(request.uri()).path();
      switch (path) {
        case "/metrics" ->
            send(ctx, HttpResponseStatus.OK, OpenMetrics.CONTENT_TYPE, metrics.get());
        case "/health" -> send(ctx, HttpResponseStatus.OK, "text/plain", "ok\n");
        case "/ready" -> {
          boolean open = ready.getAsBoolean();
          send(
              ctx,
              open ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
              "text/plain",
              open ? "ready\n" : "not listening\n");
        }
        default ->
            send(
                ctx,
                HttpResponseStatus.NOT_FOUND,
                "text/plain",
                "try /metrics, /health or /ready\n");
      }
    }

    private static void send(
        ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, status, ByteBufUtil.writeUtf8(ctx.alloc(), body));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
      HttpUtil.setContentLength(r, r.content().readableBytes());
      ctx.writeAndFlush(r);
    }
  }
}
