package dev.infertrace.proxy.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin listener of a proxy process: {@code GET /metrics} (an OpenMetrics page), {@code
 * /health} (200 while the process runs), {@code /ready} (200 while the proxy listens, 503 after).
 * It knows the proxy only through two suppliers, so any role (and the epp interposer) can have one.
 */
public final class AdminServer implements AutoCloseable {
  private final HttpListener listener;

  private AdminServer(HttpListener listener) {
    this.listener = listener;
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
    return start(
        address,
        metrics,
        ready,
        dev.infertrace.proxy.cli.DurationConverter.parse(
            dev.infertrace.proxy.config.ProxyDefaults.IDLE_TIMEOUT));
  }

  /** As above; a connection idle for {@code idleTimeout} (a scraper that went away) is closed. */
  public static AdminServer start(
      InetSocketAddress address,
      Supplier<String> metrics,
      BooleanSupplier ready,
      Duration idleTimeout)
      throws InterruptedException {
    java.util.Objects.requireNonNull(address, "address");
    java.util.Objects.requireNonNull(metrics, "metrics");
    java.util.Objects.requireNonNull(ready, "ready");
    Handler handler = new Handler(metrics, ready);
    try {
      return new AdminServer(
          HttpListener.start(
              "proxy-admin",
              address,
              64 * 1024,
              c ->
                  c.pipeline()
                      .addLast(
                          new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS))
                      .addLast(dev.infertrace.proxy.listener.CloseIdle.INSTANCE),
              () -> handler));
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) { // a bind failure arrives as an unchecked-thrown BindException
      throw dev.infertrace.proxy.listener.ListenFailure.of(
          "/metrics, /health, /ready (--admin)", address, e);
    }
  }

  public InetSocketAddress address() {
    return listener.address();
  }

  @Override
  public void close() {
    listener.close();
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

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a scraper that reset its connection: nothing to report
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
