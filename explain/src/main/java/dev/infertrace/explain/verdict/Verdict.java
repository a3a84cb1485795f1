package dev.infertrace.explain.verdict;

/**
 * Why one request was slow, in one line: the component that took the time, the phase it was in, the
 * cause, and the evidence that decided it — e.g. {@code worker w1 / decode / gpu_throttling: decode
 * 1.45 s vs 0.70 s typical; GPU0 SM clock 800 of 1980 MHz, hw_thermal_slowdown}.
 *
 * @param component {@code ingress}, {@code epp}, {@code worker <name>}, {@code gpu <uuid>}, {@code
 *     client}, {@code network}, or {@code none}
 * @param phase the segment the time was lost in (see {@code Segment}), or {@code none}
 * @param cause one of the constants below
 * @param evidence the figures that decided it, readable as they are
 */
public record Verdict(String component, String phase, String cause, String evidence) {
  public static final String HEALTHY = "healthy";
  public static final String CANNOT_TELL = "cannot_tell";
  public static final String SLOW_CLIENT = "slow_client_reader";
  public static final String CLIENT_CANCEL = "client_cancel";
  public static final String PROXY_OVERHEAD = "proxy_overhead";
  public static final String EPP_SLOW = "epp_slow";
  public static final String MISROUTE = "misroute";
  public static final String NETWORK_DELAY = "network_delay";
  public static final String ENGINE_QUEUEING = "engine_queueing";
  public static final String KV_CACHE_PRESSURE = "kv_cache_pressure";
  public static final String PREEMPTION = "preemption";
  public static final String LONG_PROMPT = "long_prompt";
  public static final String PREFIX_CACHE_MISS = "prefix_cache_miss";
  public static final String BATCH_CONTENTION = "decode_batch_contention";
  public static final String GPU_THROTTLING = "gpu_throttling";
  public static final String GPU_FAULT = "gpu_fault";
  public static final String UPSTREAM_ERROR = "upstream_error";

  /** Nothing to blame. */
  public static Verdict healthy(String evidence) {
    return new Verdict("none", "none", HEALTHY, evidence);
  }

  /** A named reason the trace cannot support a verdict (missing hop, skew, no spans). */
  public static Verdict cannotTell(String because) {
    return new Verdict("none", "none", CANNOT_TELL, because);
  }

  /** {@code component / phase / cause: evidence}. */
  @Override
  public String toString() {
    return component + " / " + phase + " / " + cause + ": " + evidence;
  }
}
