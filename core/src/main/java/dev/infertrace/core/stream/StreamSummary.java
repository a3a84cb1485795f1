package dev.infertrace.core.stream;

import java.util.List;
import javax.annotation.Nullable;

/**
 * What an observed response said about itself. Times are nanoseconds on the observer's clock (e.g.
 * {@code System.nanoTime()}); 0 when the moment never came.
 *
 * @param headersNanos response headers seen
 * @param firstEventNanos first SSE data line (with vLLM: the role-only chunk; "time to ack")
 * @param firstTokenNanos first chunk that carries a token
 * @param lastTokenNanos last chunk that carries a token
 * @param endNanos end of the response
 * @param tokenChunks chunks that carried a token
 * @param gaps gaps between token chunks, the first token excluded
 * @param promptTokens {@code usage.prompt_tokens}, or -1 when the response had no usage
 * @param completionTokens {@code usage.completion_tokens}, or -1
 * @param cachedTokens {@code usage.prompt_tokens_details.cached_tokens}, or -1
 * @param finishReasons finish reasons seen, in order
 * @param responseId the response's {@code id}
 * @param responseModel the response's {@code model}
 * @param errorType the {@code type} (or {@code code}) of an error object in the body, or null
 * @param errorMessageLength length of that error's message (the message itself is not kept)
 * @param done the stream ended with {@code data: [DONE]}
 */
public record StreamSummary(
    long headersNanos,
    long firstEventNanos,
    long firstTokenNanos,
    long lastTokenNanos,
    long endNanos,
    int tokenChunks,
    GapHistogram gaps,
    int promptTokens,
    int completionTokens,
    int cachedTokens,
    List<String> finishReasons,
    @Nullable String responseId,
    @Nullable String responseModel,
    @Nullable String errorType,
    int errorMessageLength,
    boolean done) {

  /** Output tokens: usage when the server reported it, else the token chunks counted. */
  public int outputTokens() {
    return completionTokens >= 0 ? completionTokens : tokenChunks;
  }

  /** True when {@link #outputTokens()} is a count of chunks, not the server's usage. */
  public boolean outputTokensEstimated() {
    return completionTokens < 0;
  }
}
