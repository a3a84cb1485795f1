package dev.infertrace.proxy.admin;

import dev.infertrace.proxy.ProxyServer;
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

/**
 * The admin listener of a proxy: {@code GET /metrics} (OpenMetrics with exemplars), {@code /health}
 * (200 while the process runs), {@code /ready} (200 while the proxy listens, 503 after).
 */
public final class AdminServer implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel channel;

  private AdminServer(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  public static AdminServer start(InetSocketAddress address, ProxyServer proxy)
      throws InterruptedException {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("proxy-admin", true), NioIoHandler.newFactory());
    Handler handler = new Handler(proxy);
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
    private final ProxyServer proxy;

    Handler(ProxyServer proxy) {
      this.proxy = proxy;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      String path = new QueryStringDecoder(request.uri()).path();
      switch (path) {
        case "/metrics" ->
            send(ctx, HttpResponseStatus.OK, OpenMetrics.CONTENT_TYPE, proxy.metrics().render());
        case "/health" -> send(ctx, HttpResponseStatus.OK, "text/plain", "ok\n");
        case "/ready" ->
            send(
                ctx,
                proxy.isOpen() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                "text/plain",
                proxy.isOpen() ? "ready\n" : "not listening\n");
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
