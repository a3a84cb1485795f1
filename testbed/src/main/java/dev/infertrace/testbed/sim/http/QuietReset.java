package dev.infertrace.testbed.sim.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;

/**
 * The last step of the twin's pipelines: a client that went away (the proxy cancelling a stream
 * does exactly that) is not an error worth a stack trace, so its connection is closed quietly.
 * Anything else still reaches Netty's logger.
 */
@ChannelHandler.Sharable
final class QuietReset extends ChannelInboundHandlerAdapter {
  static final QuietReset INSTANCE = new QuietReset();

  private QuietReset() {}

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      ctx.close();
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }
}
