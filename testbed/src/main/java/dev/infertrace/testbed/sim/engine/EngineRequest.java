package dev.infertrace.testbed.sim.engine;

import javax.annotation.Nullable;

/**
 * A request as the API server hands it to the engine, after parsing and tokenization.
 *
 * @param requestId the vLLM request id ({@code chatcmpl-...} or {@code cmpl-...})
 * @param promptTokens the prompt's token ids
 * @param maxTokens the most output tokens to generate (already defaulted and checked)
 * @param minTokens generate at least this many before a natural stop
 * @param ignoreEos never stop before {@code maxTokens}
 * @param arrivalNanos when the API server finished parsing it (clock nanoseconds)
 * @param observer receives its tokens and its end, on the engine thread
 */
public record EngineRequest(
    String requestId,
    int[] promptTokens,
    int maxTokens,
    int minTokens,
    boolean ignoreEos,
    long arrivalNanos,
    @Nullable Integer requestedMaxTokens,
    @Nullable Double temperature,
    @Nullable Double topP,
    @Nullable String traceparent,
    @Nullable String tracestate,
    RequestObserver observer) {}
