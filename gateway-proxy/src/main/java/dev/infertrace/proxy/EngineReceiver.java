package dev.infertrace.proxy;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The worker's OTLP receiver for vLLM's {@code llm_request} spans, which give exact queue, prefill
 * and decode phases ({@code --otlp-receiver}, {@code --otlp-receiver-http}).
 *
 * @param grpc the OTLP/gRPC listener (port 0: any free one)
 * @param http the OTLP/HTTP listener (port 0: any free one)
 * @param loopbackOnly refuse spans from non-loopback peers
 * @param spanWait how long a request waits for vLLM's span before its stream-measured phases are
 *     emitted instead
 */
public record EngineReceiver(
    InetSocketAddress grpc, InetSocketAddress http, boolean loopbackOnly, Duration spanWait) {

  /** Requests waiting for vLLM's span at most; older ones fall back to measured phases. */
  static final int MAX_PENDING = 10_000;

  public EngineReceiver {
    requireNonNull(grpc, "grpc");
    requireNonNull(http, "http");
    requireNonNull(spanWait, "spanWait");
    if (spanWait.isNegative()) {
      throw new IllegalArgumentException("--engine-span-wait must be >= 0, got " + spanWait);
    }
  }
}
