package dev.infertrace.core.schema;

/**
 * Metric names, in one place: those the proxy serves on its admin {@code /metrics} (top level; a
 * counter's family name, its samples are {@code <name>_total}; histograms in seconds), and those it
 * reads from vLLM ({@link Vllm}) and from the DCGM exporter ({@link Dcgm}). The reference for the
 * served ones is the metrics table of {@code src/docs/configuration.md}.
 */
public final class MetricNames {
  private MetricNames() {}

  // GenAI semantic conventions (histograms, seconds).
  public static final String TIME_TO_FIRST_TOKEN = "gen_ai_server_time_to_first_token_seconds";
  public static final String TIME_PER_OUTPUT_TOKEN = "gen_ai_server_time_per_output_token_seconds";
  public static final String REQUEST_DURATION = "gen_ai_server_request_duration_seconds";

  // Ours.
  /** Histogram, seconds: mean gap between token chunks, per request. */
  public static final String INTER_TOKEN_LATENCY = "infertrace_inter_token_latency_seconds";

  /** Counter by {@code status}. */
  public static final String REQUESTS = "infertrace_requests";

  /** Counter by {@code reason}. */
  public static final String FINISH_REASONS = "infertrace_finish_reasons";

  /** Counter by {@code result} ({@code met}, {@code missed}). */
  public static final String SLO = "infertrace_slo";

  /**
   * Counter by {@code outcome}: {@code exported}, or {@code dropped} with a {@code reason} ({@code
   * queue_full}, {@code export_failed}, {@code shutdown}).
   */
  public static final String SPANS = "infertrace_spans";

  /** Counter: spans made or relayed, handed to the export queue. */
  public static final String SPANS_CREATED = "infertrace_spans_created";

  /** Gauge: spans in the export queue or being exported. */
  public static final String SPANS_QUEUED = "infertrace_spans_queued";

  /** Counter by {@code kind}. */
  public static final String PROXY_ERRORS = "infertrace_proxy_errors";

  /** Counter by {@code endpoint} and {@code reason}. */
  public static final String SCRAPE_FAILURES = "infertrace_scrape_failures";

  /**
   * Counter by {@code source}: worker requests whose phases came from vLLM's span ({@code engine}),
   * from the stream after the wait ({@code stream}), or from the stream because too many requests
   * were waiting for vLLM's span ({@code overflow}).
   */
  public static final String ENGINE_PHASES = "infertrace_engine_phases";

  /** Counter: spans received from vLLM over OTLP and relayed to the worker's exporter. */
  public static final String ENGINE_SPANS_RELAYED = "infertrace_engine_spans_relayed";

  /** Gauges read from vLLM's {@code /metrics}. */
  public static final class Vllm {
    private Vllm() {}

    public static final String NUM_REQUESTS_WAITING = "vllm:num_requests_waiting";
    public static final String NUM_REQUESTS_RUNNING = "vllm:num_requests_running";

    /** Ratio 0–1. */
    public static final String KV_CACHE_USAGE_PERC = "vllm:kv_cache_usage_perc";

    /** The name of {@link #KV_CACHE_USAGE_PERC} before vLLM 0.9. */
    public static final String GPU_CACHE_USAGE_PERC = "vllm:gpu_cache_usage_perc";

    /** Preemptions so far (counter; its sample is named with {@code _total}). */
    public static final String NUM_PREEMPTIONS_TOTAL = "vllm:num_preemptions_total";
  }

  /** Fields read from the DCGM exporter, in its units (converted in {@code DcgmSample}). */
  public static final class Dcgm {
    private Dcgm() {}

    /** Percent 0–100. */
    public static final String GPU_UTIL = "DCGM_FI_DEV_GPU_UTIL";

    /** DCGM 4.6's name of utilisation, already a ratio 0–1. */
    public static final String GPU_UTIL_RATIO = "DCGM_FI_DEV_GPU_UTIL_RATIO";

    /** MHz. */
    public static final String SM_CLOCK = "DCGM_FI_DEV_SM_CLOCK";

    /** W. */
    public static final String POWER_USAGE = "DCGM_FI_DEV_POWER_USAGE";

    /** °C. */
    public static final String GPU_TEMP = "DCGM_FI_DEV_GPU_TEMP";

    /** MiB. */
    public static final String FB_USED = "DCGM_FI_DEV_FB_USED";

    /** Ratio 0–1. */
    public static final String PIPE_TENSOR_ACTIVE = "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE";

    /** The last XID error. */
    public static final String XID_ERRORS = "DCGM_FI_DEV_XID_ERRORS";

    /** Maximum supported SM clock, MHz (field 113; off by default in dcgm-exporter). */
    public static final String MAX_SM_CLOCK = "DCGM_FI_DEV_MAX_SM_CLOCK";

    /**
     * Why the clocks are below their maximum: NVML's clocks-event-reason bitmask (field 112),
     * printed as a float; off by default in dcgm-exporter.
     */
    public static final String CLOCKS_EVENT_REASONS = "DCGM_FI_DEV_CLOCKS_EVENT_REASONS";

    /** {@link #CLOCKS_EVENT_REASONS} under its name before DCGM 3.3. */
    public static final String CLOCK_THROTTLE_REASONS = "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS";

    /** Time throttled by thermal limits, ns (counter; off by default in dcgm-exporter). */
    public static final String THERMAL_VIOLATION = "DCGM_FI_DEV_THERMAL_VIOLATION";

    /** Time throttled by power limits, ns (counter; off by default in dcgm-exporter). */
    public static final String POWER_VIOLATION = "DCGM_FI_DEV_POWER_VIOLATION";
  }
}
