package dev.infertrace.testbed.sim.engine;

import javax.annotation.Nullable;

/**
 * Everything the engine knows about a request once it has finished (or was aborted), for its
 * metrics and its {@code llm_request} span. Timestamps are {@link
 * dev.infertrace.testbed.sim.SimClock} nanoseconds since the epoch; a phase that never happened (an
 * abort while waiting) has its timestamp equal to 0.
 *
 * @param requestId the vLLM request id, e.g. {@code chatcmpl-<X-Request-Id>}
 * @param model the served model name
 * @param arrivalNanos when the API server had parsed the request (the span's start)
 * @param queuedNanos when the request entered the engine's waiting queue
 * @param scheduledNanos when the scheduler first gave it a place in a batch (0 if never)
 * @param firstTokenNanos when its first output token was produced (0 if never)
 * @param lastTokenNanos when its last output token was produced (0 if never)
 * @param finishedNanos when the engine let go of it (the span's end)
 * @param promptTokens prompt length in tokens
 * @param completionTokens output tokens produced
 * @param cachedTokens prompt tokens served from the prefix cache
 * @param finishReason {@code stop}, {@code length} or {@code abort}
 * @param maxTokens the request's {@code max_tokens}, or null when it gave none
 * @param temperature the request's temperature, or null
 * @param topP the request's top_p, or null
 * @param n the request's {@code n}
 * @param preemptions how many times the request was preempted
 * @param traceparent the incoming W3C {@code traceparent} header, or null
 * @param tracestate the incoming W3C {@code tracestate} header, or null
 */
public record FinishedRequest(
    String requestId,
    String model,
    long arrivalNanos,
    long queuedNanos,
    long scheduledNanos,
    long firstTokenNanos,
    long lastTokenNanos,
    long finishedNanos,
    int promptTokens,
    int completionTokens,
    int cachedTokens,
    String finishReason,
    @Nullable Integer maxTokens,
    @Nullable Double temperature,
    @Nullable Double topP,
    int n,
    int preemptions,
    @Nullable String traceparent,
    @Nullable String tracestate) {

  /** Seconds between two clock readings. */
  public static double seconds(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1e9;
  }

  /** True when the request produced at least one token. */
  public boolean hasFirstToken() {
    return firstTokenNanos != 0;
  }
}
