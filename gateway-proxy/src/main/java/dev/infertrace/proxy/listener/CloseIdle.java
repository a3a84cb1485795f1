package dev.infertrace.proxy.listener;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Closes a connection its {@code IdleStateHandler} reports idle: for the side listeners (admin,
 * OTLP/HTTP), whose clients — scrapers, exporters — may go away without closing. Stateless.
 */
@ChannelHandler.Sharable
public final class CloseIdle extends ChannelInboundHandlerAdapter {
  public static final CloseIdle INSTANCE = new CloseIdle();

  private CloseIdle() {}

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }
}
