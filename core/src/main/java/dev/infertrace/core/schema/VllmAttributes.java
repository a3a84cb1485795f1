package dev.infertrace.core.schema;

/**
 * The {@code vllm.*} attributes infertrace writes: vLLM's engine gauges as scraped from its {@code
 * /metrics}, put on the worker SERVER span at admission, on phase spans at their start, and on the
 * EPP's {@code llm.route.candidate} events. Counts are integers, {@code vllm.kv_cache_usage_perc}
 * is a ratio 0–1 (vLLM's own unit, despite the name), ages in seconds. vLLM's own span attributes
 * are in {@link VllmSpanAttributes}.
 */
public final class VllmAttributes {
  private VllmAttributes() {}

  /** Requests in vLLM's waiting queue (integer). */
  public static final String NUM_REQUESTS_WAITING = "vllm.num_requests_waiting";

  /** Requests in vLLM's running batch (integer). */
  public static final String NUM_REQUESTS_RUNNING = "vllm.num_requests_running";

  /** KV-cache usage, ratio 0–1. */
  public static final String KV_CACHE_USAGE_PERC = "vllm.kv_cache_usage_perc";

  /** Age of the engine sample the gauges come from, seconds. */
  public static final String SAMPLE_AGE = "vllm.sample_age";

  /** {@code true} when no engine sample younger than 3 scrape intervals exists. */
  public static final String STALE = "vllm.stale";
}
