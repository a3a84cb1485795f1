package dev.infertrace.core.stream;

import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * What an observed response said about itself. Times are nanoseconds on the observer's clock (e.g.
 * {@code System.nanoTime()}); 0 when the moment never came. A value class (equals, hashCode and
 * toString as a record's would be: core is Java 8 source, see the pom).
 */
public final class StreamSummary {
  private final long headersNanos;
  private final long firstEventNanos;
  private final long firstTokenNanos;
  private final long lastTokenNanos;
  private final long endNanos;
  private final int tokenChunks;
  private final GapHistogram gaps;
  private final int promptTokens;
  private final int completionTokens;
  private final int cachedTokens;
  private final List<String> finishReasons;
  @Nullable private final String responseId;
  @Nullable private final String responseModel;
  @Nullable private final String errorType;
  private final int errorMessageLength;
  private final boolean done;

  /**
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
  public StreamSummary(
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
    this.headersNanos = headersNanos;
    this.firstEventNanos = firstEventNanos;
    this.firstTokenNanos = firstTokenNanos;
    this.lastTokenNanos = lastTokenNanos;
    this.endNanos = endNanos;
    this.tokenChunks = tokenChunks;
    this.gaps = gaps;
    this.promptTokens = promptTokens;
    this.completionTokens = completionTokens;
    this.cachedTokens = cachedTokens;
    this.finishReasons = finishReasons;
    this.responseId = responseId;
    this.responseModel = responseModel;
    this.errorType = errorType;
    this.errorMessageLength = errorMessageLength;
    this.done = done;
  }

  public long headersNanos() {
    return headersNanos;
  }

  public long firstEventNanos() {
    return firstEventNanos;
  }

  public long firstTokenNanos() {
    return firstTokenNanos;
  }

  public long lastTokenNanos() {
    return lastTokenNanos;
  }

  public long endNanos() {
    return endNanos;
  }

  public int tokenChunks() {
    return tokenChunks;
  }

  public GapHistogram gaps() {
    return gaps;
  }

  public int promptTokens() {
    return promptTokens;
  }

  public int completionTokens() {
    return completionTokens;
  }

  public int cachedTokens() {
    return cachedTokens;
  }

  public List<String> finishReasons() {
    return finishReasons;
  }

  @Nullable
  public String responseId() {
    return responseId;
  }

  @Nullable
  public String responseModel() {
    return responseModel;
  }

  @Nullable
  public String errorType() {
    return errorType;
  }

  public int errorMessageLength() {
    return errorMessageLength;
  }

  public boolean done() {
    return done;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof StreamSummary)) {
      return false;
    }
    StreamSummary x = (StreamSummary) o;
    return headersNanos == x.headersNanos
        && firstEventNanos == x.firstEventNanos
        && firstTokenNanos == x.firstTokenNanos
        && lastTokenNanos == x.lastTokenNanos
        && endNanos == x.endNanos
        && tokenChunks == x.tokenChunks
        && Objects.equals(gaps, x.gaps)
        && promptTokens == x.promptTokens
        && completionTokens == x.completionTokens
        && cachedTokens == x.cachedTokens
        && Objects.equals(finishReasons, x.finishReasons)
        && Objects.equals(responseId, x.responseId)
        && Objects.equals(responseModel, x.responseModel)
        && Objects.equals(errorType, x.errorType)
        && errorMessageLength == x.errorMessageLength
        && done == x.done;
  }

  @Override
  public int hashCode() {
    int h = 0;
    h = 31 * h + Long.hashCode(headersNanos);
    h = 31 * h + Long.hashCode(firstEventNanos);
    h = 31 * h + Long.hashCode(firstTokenNanos);
    h = 31 * h + Long.hashCode(lastTokenNanos);
    h = 31 * h + Long.hashCode(endNanos);
    h = 31 * h + Integer.hashCode(tokenChunks);
    h = 31 * h + Objects.hashCode(gaps);
    h = 31 * h + Integer.hashCode(promptTokens);
    h = 31 * h + Integer.hashCode(completionTokens);
    h = 31 * h + Integer.hashCode(cachedTokens);
    h = 31 * h + Objects.hashCode(finishReasons);
    h = 31 * h + Objects.hashCode(responseId);
    h = 31 * h + Objects.hashCode(responseModel);
    h = 31 * h + Objects.hashCode(errorType);
    h = 31 * h + Integer.hashCode(errorMessageLength);
    h = 31 * h + Boolean.hashCode(done);
    return h;
  }

  @Override
  public String toString() {
    return "StreamSummary[headersNanos="
        + headersNanos
        + ", firstEventNanos="
        + firstEventNanos
        + ", firstTokenNanos="
        + firstTokenNanos
        + ", lastTokenNanos="
        + lastTokenNanos
        + ", endNanos="
        + endNanos
        + ", tokenChunks="
        + tokenChunks
        + ", gaps="
        + gaps
        + ", promptTokens="
        + promptTokens
        + ", completionTokens="
        + completionTokens
        + ", cachedTokens="
        + cachedTokens
        + ", finishReasons="
        + finishReasons
        + ", responseId="
        + responseId
        + ", responseModel="
        + responseModel
        + ", errorType="
        + errorType
        + ", errorMessageLength="
        + errorMessageLength
        + ", done="
        + done
        + "]";
  }

  /** Output tokens: usage when the server reported it, else the token chunks counted. */
  public int outputTokens() {
    return completionTokens >= 0 ? completionTokens : tokenChunks;
  }

  /** True when {@link #outputTokens()} is a count of chunks, not the server's usage. */
  public boolean outputTokensEstimated() {
    return completionTokens < 0;
  }

  /** Finish reasons kept per response (one per choice; an upstream may send any number). */
  public static final int MAX_FINISH_REASONS = 16;

  /** The longest finish reason or error type kept, in characters. */
  public static final int MAX_LABEL_LENGTH = 64;

  /** An upstream's word (finish reason, error type) cut to {@link #MAX_LABEL_LENGTH}. */
  public static String boundedLabel(String value) {
    return value.length() <= MAX_LABEL_LENGTH ? value : value.substring(0, MAX_LABEL_LENGTH);
  }
}
