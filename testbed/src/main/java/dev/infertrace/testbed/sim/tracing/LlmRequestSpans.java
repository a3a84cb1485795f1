package dev.infertrace.testbed.sim.tracing;

import dev.infertrace.testbed.sim.engine.FinishedRequest;

/**
 * vLLM's own tracing: one {@code llm_request} SERVER span per finished request. CONTRACT STUB:
 * implemented in the tracing work; signatures are fixed.
 *
 * <p>{@link #emit} is called by the engine thread and must never block it.
 */
public final class LlmRequestSpans implements AutoCloseable {
  private LlmRequestSpans() {}

  /**
   * Exports to {@code endpoint} over {@code protocol} ({@code grpc} or {@code http/protobuf}) with
   * a batch span processor, as {@code service.name=serviceName}.
   */
  public static LlmRequestSpans create(String endpoint, String protocol, String serviceName) {
    return new LlmRequestSpans();
  }

  /** Tracing off (no {@code --otlp-traces-endpoint}). */
  public static LlmRequestSpans noop() {
    return new LlmRequestSpans();
  }

  /** Records the span of a finished request. */
  public void emit(FinishedRequest request) {}

  /** Flushes and shuts the exporter down. Idempotent. */
  @Override
  public void close() {}
}
