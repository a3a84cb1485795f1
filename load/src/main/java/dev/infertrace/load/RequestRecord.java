package dev.infertrace.load;

import java.util.List;
import javax.annotation.Nullable;

/**
 * What one request of a benchmark measured. Times in milliseconds; {@code startMs} and {@code
 * endMs} count from the start of the run.
 *
 * @param step the index of the sweep step that sent it
 * @param phase {@code warmup}, {@code measured} or {@code cooldown}: only measured requests count
 *     in the figures
 * @param traceId the W3C trace id sent in its {@code traceparent}
 * @param ttftMs send to the first chunk carrying a token (non-streaming: to the whole body)
 * @param tpotMs (E2E − TTFT) / (output tokens − 1), null with fewer than 2 output tokens
 * @param itlMs the gaps between consecutive token chunks
 * @param outputTokens {@code usage.completion_tokens} when the server reported it, else the token
 *     chunks counted
 * @param status the HTTP status, 0 when none was received
 * @param error the kind of failure ({@code http_503}, {@code connect}, {@code timeout}, …), null
 *     when it succeeded
 */
public record RequestRecord(
    int step,
    long id,
    String phase,
    String traceId,
    double startMs,
    double endMs,
    @Nullable Double ttftMs,
    @Nullable Double tpotMs,
    double e2eMs,
    List<Double> itlMs,
    int inputTokens,
    int outputTokens,
    boolean usageReported,
    int status,
    @Nullable String error,
    @Nullable String errorDetail) {

  public static final String MEASURED = "measured";

  public boolean measured() {
    return MEASURED.equals(phase);
  }

  public boolean ok() {
    return error == null;
  }
}
