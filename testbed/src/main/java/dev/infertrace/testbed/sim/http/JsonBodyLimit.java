package dev.infertrace.testbed.sim.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;

/** Aggregates request bodies up to a limit and answers a larger one with an OpenAI-style 413. */
final class JsonBodyLimit extends HttpObjectAggregator {
  private final int maxBytes;

  JsonBodyLimit(int maxBytes) {
    super(maxBytes);
    this.maxBytes = maxBytes;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    OpenAiError error =
        OpenAiError.tooLarge("the request body is larger than " + maxBytes + " bytes");
    // The rest of the body is not read: close after answering, as the aggregator itself does.
    ctx.writeAndFlush(Responses.create(ctx, error.status(), Responses.JSON, error.toJson()))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
