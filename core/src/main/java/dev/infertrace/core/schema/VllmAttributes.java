package dev.infertrace.core.schema;

/**
 * The {@code vllm.*} attributes infertrace writes: vLLM's engine gauges as scraped from its {@code
 * /metrics}, put on the worker SERVER span at admission (one sample), on phase spans over the
 * phase's window (the highest and the mean), and on the EPP's {@code llm.route.candidate} events
 * (one sample). Counts are integers, {@code vllm.kv_cache_usage_perc} is a ratio 0–1 (vLLM's own
 * unit, despite the name), ages in seconds. vLLM's own span attributes are in {@link
 * VllmSpanAttributes}.
 */
public final class VllmAttributes {
  private VllmAttributes() {}

  /** Requests in vLLM's waiting queue (integer); on a phase span the highest over its window. */
  public static final String NUM_REQUESTS_WAITING = "vllm.num_requests_waiting";

  /** The mean of {@link #NUM_REQUESTS_WAITING} over a phase's window. */
  public static final String NUM_REQUESTS_WAITING_MEAN = "vllm.num_requests_waiting.mean";

  /** Requests in vLLM's running batch (integer); on a phase span the highest over its window. */
  public static final String NUM_REQUESTS_RUNNING = "vllm.num_requests_running";

  /** The mean of {@link #NUM_REQUESTS_RUNNING} over a phase's window. */
  public static final String NUM_REQUESTS_RUNNING_MEAN = "vllm.num_requests_running.mean";

  /** KV-cache usage, ratio 0–1; on a phase span the highest over its window. */
  public static final String KV_CACHE_USAGE_PERC = "vllm.kv_cache_usage_perc";

  /** The mean of {@link #KV_CACHE_USAGE_PERC} over a phase's window. */
  public static final String KV_CACHE_USAGE_PERC_MEAN = "vllm.kv_cache_usage_perc.mean";

  /** Requests the engine preempted during a phase's window (integer; any request, not this one). */
  public static final String NUM_PREEMPTIONS = "vllm.num_preemptions";

  /** Age of the engine sample the gauges come from, seconds. */
  public static final String SAMPLE_AGE = "vllm.sample_age";

  /** {@code true} when no engine sample younger than 3 scrape intervals exists. */
  public static final String STALE = "vllm.stale";
}
