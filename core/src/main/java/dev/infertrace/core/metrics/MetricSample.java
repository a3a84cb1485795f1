package dev.infertrace.core.metrics;

import java.util.Map;

/**
 * One sample line of a Prometheus text exposition.
 *
 * @param name the sample name as written, e.g. {@code vllm:e2e_request_latency_seconds_bucket}
 * @param labels label names to values, in the order they were written
 * @param value the value; NaN when the line said NaN
 * @param line the 1-based line number, for messages
 */
public record MetricSample(String name, Map<String, String> labels, double value, int line) {
  public MetricSample {
    labels = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(labels));
  }

  /** The value of label {@code name}, or null. */
  public String label(String name) {
    return labels.get(name);
  }
}
