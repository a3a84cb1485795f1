package dev.infertrace.proxy.http;

import dev.infertrace.proxy.failure.Failure;
import dev.infertrace.proxy.failure.OpenAiErrors;
import dev.infertrace.proxy.failure.ProxyFailure;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client side of one connection: one exchange at a time, reading the next message only when the
 * current one has been passed on (autoRead is off). Pipelined HTTP/1.1 requests (sent before the
 * previous response) wait in order and are taken one by one, so responses go out in request order;
 * more than {@link #MAX_PIPELINED} waiting messages close the connection.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
  /** Decoded messages (heads and body parts) that may wait behind the exchange in flight. */
  static final int MAX_PIPELINED = 64;

  private final java.util.ArrayDeque<Object> pipelined = new java.util.ArrayDeque<>();
  private final ProxyContext px;
  private ChannelHandlerContext ctx;
  private Exchange exchange;
  private ScheduledFuture<?> requestTimeout;

  FrontendHandler(ProxyContext px) {
    this.px = px;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    boolean inFlight = exchange != null && !exchange.finished();
    if (!pipelined.isEmpty() || (inFlight && msg instanceof HttpRequest)) {
      // A request sent before the previous response: it waits for its turn (not read further).
      if (pipelined.size() >= MAX_PIPELINED) {
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      pipelined.add(msg);
      return;
    }
    handle(ctx, msg);
  }

  private void handle(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      if (request.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        rejectUndecodable(ctx, request.decoderResult().cause());
        return;
      }
      if (HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(
          request.headers().get(HttpHeaderNames.EXPECT, ""))) {
        ctx.writeAndFlush(
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
      }
      exchange = new Exchange(px, this, ctx, request);
      Exchange ex = exchange;
      requestTimeout =
          ctx.executor()
              .schedule(
                  ex::onRequestTimeout, px.config.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }
    if (msg instanceof HttpContent content) {
      Exchange ex = exchange;
      if (ex == null || ex.finished()) {
        content.release();
        ctx.read();
        return;
      }
      boolean last = content instanceof io.netty.handler.codec.http.LastHttpContent;
      if (last) {
        cancelRequestTimeout();
      }
      if (ex.onRequestContent(content) || last) {
        // After the last part, keep one read pending: it shows a client that hangs up (EOF) at
        // once, so its upstream request is aborted without waiting for the next write to fail.
        ctx.read();
      }
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
      ctx.read();
    } else {
      ctx.read();
    }
  }

  /** Called by the exchange when it is over: read the next request or close. */
  void exchangeDone(Exchange ex, boolean keepAlive) {
    if (ex != exchange) {
      return;
    }
    cancelRequestTimeout();
    exchange = null;
    if (keepAlive && !pipelined.isEmpty()) {
      // The waiting requests in order, up to the next head that must wait for this one's end.
      do {
        handle(ctx, pipelined.poll());
      } while (!pipelined.isEmpty()
          && ctx.channel().isActive()
          && !(pipelined.peek() instanceof HttpRequest
              && exchange != null
              && !exchange.finished()));
    } else if (keepAlive) {
      ctx.read();
    } else {
      releasePipelined();
      ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  private void releasePipelined() {
    Object msg;
    while ((msg = pipelined.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releasePipelined();
    cancelRequestTimeout();
    Exchange ex = exchange;
    exchange = null;
    if (ex != null) {
      ex.onClientGone();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && exchange == null) {
      ctx.close(); // an idle keep-alive connection
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // a reset client; channelInactive cancels what was in flight
  }

  private void rejectUndecodable(ChannelHandlerContext ctx, Throwable cause) {
    px.stats.count(ProxyFailure.INVALID_REQUEST);
    HttpResponseStatus status =
        cause instanceof TooLongHttpHeaderException
            ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
            : cause instanceof TooLongHttpLineException
                ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : HttpResponseStatus.BAD_REQUEST;
    String message =
        cause instanceof TooLongFrameException
            ? "request line or headers too large: " + cause.getMessage()
            : "malformed HTTP request: " + cause.getMessage();
    ctx.writeAndFlush(
            OpenAiErrors.response(
                ctx.alloc(), status, Failure.of(ProxyFailure.INVALID_REQUEST, message)))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private void cancelRequestTimeout() {
    if (requestTimeout != null) {
      requestTimeout.cancel(false);
      requestTimeout = null;
    }
  }
}
