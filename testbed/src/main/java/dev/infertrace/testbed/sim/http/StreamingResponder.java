package dev.infertrace.testbed.sim.http;

import dev.infertrace.testbed.sim.engine.FinishedRequest;
import dev.infertrace.testbed.sim.engine.RequestObserver;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import javax.annotation.Nullable;

/**
 * Streams one request's tokens as SSE, one event per token, flushed as it is produced. Engine
 * callbacks hop to the channel's event loop.
 */
final class StreamingResponder implements RequestObserver {
  private final DelayedWriter out;
  private final ChunkFormat format;
  private final boolean chat;
  private final boolean includeUsage;
  private final boolean continuousUsage;
  private final boolean promptTokensDetails;
  private final Runnable onDone;

  StreamingResponder(
      DelayedWriter out,
      ChunkFormat format,
      ParsedRequest request,
      boolean includeUsage,
      boolean promptTokensDetails,
      Runnable onDone) {
    this.out = out;
    this.format = format;
    this.chat = request.chat();
    this.includeUsage = includeUsage;
    this.continuousUsage = request.continuousUsage();
    this.promptTokensDetails = promptTokensDetails;
    this.onDone = onDone;
  }

  @Override
  public void onToken(int index, String text, @Nullable String finishReason) {
    out.channel().eventLoop().execute(() -> writeToken(index, text, finishReason));
  }

  @Override
  public void onFinished(FinishedRequest request) {
    out.channel().eventLoop().execute(() -> finish(request));
  }

  private void writeToken(int index, String text, @Nullable String finishReason) {
    if (index == 0 && chat) {
      out.write(content(format.roleChunk()));
    }
    out.writeAndFlush(content(format.tokenChunk(text, index, finishReason, continuousUsage)));
  }

  private void finish(FinishedRequest request) {
    onDone.run();
    Channel channel = out.channel();
    if ("abort".equals(request.finishReason())) {
      // The client went away, or the twin is shutting down: nobody to answer.
      channel.close();
      return;
    }
    if (includeUsage) {
      out.write(
          content(
              format.usageChunk(
                  request.completionTokens(), promptTokensDetails ? request.cachedTokens() : 0)));
    }
    out.write(content(ChunkFormat.done()));
    // HttpServerKeepAliveHandler closes the connection here when the client asked for that.
    out.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
  }

  private DefaultHttpContent content(String text) {
    return new DefaultHttpContent(ByteBufUtil.writeUtf8(out.channel().alloc(), text));
  }
}
