package dev.infertrace.proxy.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A small HTTP/1.1 listener on one thread of its own for control-plane endpoints (admin, the
 * injection webhook): whole requests up to a size, keep-alive, one handler per connection. Not for
 * the request path, which streams.
 */
public final class HttpListener implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel channel;

  private HttpListener(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  /**
   * Binds {@code address}; throws when it cannot be bound.
   *
   * @param thread the name of its event-loop thread
   * @param maxRequestBytes the largest request body accepted (413 above)
   * @param front what goes before the HTTP codec of each connection (e.g. TLS); may do nothing
   * @param handler the handler of each connection's {@code FullHttpRequest}s (or one shared)
   */
  public static HttpListener start(
      String thread,
      InetSocketAddress address,
      int maxRequestBytes,
      Consumer<Channel> front,
      Supplier<? extends ChannelHandler> handler)
      throws InterruptedException {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(front, "front");
    Objects.requireNonNull(handler, "handler");
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory(thread, true), NioIoHandler.newFactory());
    try {
      Channel ch =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                      front.accept(c);
                      c.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpServerKeepAliveHandler())
                          .addLast(new HttpObjectAggregator(maxRequestBytes))
                          .addLast(handler.get());
                    }
                  })
              .bind(address)
              .sync()
              .channel();
      return new HttpListener(group, ch);
    } catch (Exception e) { // a bind failure is a BindException thrown unchecked by Netty
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** Where it listens (the real port when bound to port 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
