package dev.infertrace.testbed.sim.http;

import dev.infertrace.testbed.sim.engine.FinishedRequest;
import dev.infertrace.testbed.sim.engine.RequestObserver;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import javax.annotation.Nullable;

/**
 * Collects a non-streaming request's tokens and answers with the whole JSON body at the end. The
 * text is built on the engine thread, then handed to the event loop with the finish.
 */
final class CompleteResponder implements RequestObserver {
  private final DelayedWriter out;
  private final ChunkFormat format;
  private final String requestId;
  private final boolean promptTokensDetails;
  private final Runnable onDone;
  private final StringBuilder text = new StringBuilder();

  CompleteResponder(
      DelayedWriter out,
      ChunkFormat format,
      String requestId,
      boolean promptTokensDetails,
      Runnable onDone) {
    this.out = out;
    this.format = format;
    this.requestId = requestId;
    this.promptTokensDetails = promptTokensDetails;
    this.onDone = onDone;
  }

  @Override
  public void onToken(int index, String token, @Nullable String finishReason) {
    text.append(token);
  }

  @Override
  public void onFinished(FinishedRequest request) {
    String body =
        "abort".equals(request.finishReason())
            ? null
            : format.completeResponse(
                text.toString(),
                request.finishReason(),
                request.completionTokens(),
                promptTokensDetails ? request.cachedTokens() : 0);
    out.channel().eventLoop().execute(() -> finish(body));
  }

  private void finish(@Nullable String body) {
    onDone.run();
    if (body == null) {
      out.channel().close();
      return;
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.OK,
            ByteBufUtil.writeUtf8(out.channel().alloc(), body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    response.headers().set("x-request-id", requestId);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    out.writeAndFlush(response);
  }
}
