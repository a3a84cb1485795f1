package dev.infertrace.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The upstream side of one connection: hands the response to the exchange that owns the connection
 * now ({@link #events}), and closes a pooled connection that idles or talks unasked.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
  /** The exchange using the connection; null while it sits in the pool. */
  UpstreamEvents events;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    UpstreamEvents ex = events;
    if (ex == null) {
      ReferenceCountUtil.release(msg); // nobody asked: a stray byte on an idle connection
      ctx.close();
      return;
    }
    if (msg instanceof HttpResponse head) {
      ex.onResponseHead(head);
    }
    if (msg instanceof HttpContent content) {
      ex.onResponseContent(content);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    UpstreamEvents ex = events;
    if (ex != null) {
      ex.onReadComplete(); // one write to the client for all that this read decoded
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && events == null) {
      // Idle in the pool for UpstreamPool.IDLE_CLOSE: closed before the upstream's own keep-alive
      // timeout (uvicorn's, vLLM's server: 5 s) can close it under a request just sent on it.
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    UpstreamEvents ex = events;
    if (ex != null) {
      ex.onUpstreamClosed();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // channelInactive tells the exchange
  }
}
