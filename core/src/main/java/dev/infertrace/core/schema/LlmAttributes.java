package dev.infertrace.core.schema;

/**
 * The GenAI, HTTP and {@code llm.*} span attribute names infertrace writes (the GenAI conventions
 * are still moving: pin them here). The other namespaces have their own classes in this package:
 * {@link VllmAttributes}, {@link DcgmAttributes}, {@link HwAttributes}, {@link RouteAttributes};
 * span names are in {@link SpanNames}, vLLM's own span's attributes in {@link VllmSpanAttributes},
 * metric names in {@link MetricNames}. Units: durations in seconds (double), sizes in bytes, ratios
 * 0–1. The reference is {@code src/docs/attributes.md}, checked against these classes by a test.
 */
public final class LlmAttributes {
  private LlmAttributes() {}

  // GenAI semantic conventions (Development status).
  public static final String OPERATION_NAME = "gen_ai.operation.name";
  public static final String PROVIDER_NAME = "gen_ai.provider.name";
  public static final String REQUEST_MODEL = "gen_ai.request.model";
  public static final String REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens";
  public static final String REQUEST_STREAM = "gen_ai.request.stream";
  public static final String REQUEST_CHOICE_COUNT = "gen_ai.request.choice.count";
  public static final String RESPONSE_ID = "gen_ai.response.id";
  public static final String RESPONSE_MODEL = "gen_ai.response.model";
  public static final String RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
  public static final String RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk";
  public static final String USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
  public static final String USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";

  // Latencies, named as vLLM names them on its own span where they overlap; seconds.
  public static final String LATENCY_TIME_TO_ACK = "gen_ai.latency.time_to_ack";
  public static final String LATENCY_TIME_TO_FIRST_TOKEN = "gen_ai.latency.time_to_first_token";
  public static final String LATENCY_TIME_PER_OUTPUT_TOKEN = "gen_ai.latency.time_per_output_token";
  public static final String LATENCY_E2E = "gen_ai.latency.e2e";
  public static final String LATENCY_ITL_MEAN = "gen_ai.latency.inter_token.mean";
  public static final String LATENCY_ITL_P50 = "gen_ai.latency.inter_token.p50";
  public static final String LATENCY_ITL_P99 = "gen_ai.latency.inter_token.p99";
  public static final String LATENCY_ITL_MAX = "gen_ai.latency.inter_token.max";

  // Ours.
  public static final String USAGE_OUTPUT_TOKENS_ESTIMATED = "llm.usage.output_tokens_estimated";
  public static final String USAGE_CACHED_TOKENS = "llm.usage.cached_tokens";
  public static final String REQUEST_MESSAGES = "llm.request.messages";
  public static final String REQUEST_PROMPT_CHARS = "llm.request.prompt_chars";
  public static final String REQUEST_BODY_SIZE = "http.request.body.size";
  public static final String REQUEST_ID = "llm.request.id";
  public static final String CANCELLED = "llm.cancelled";
  public static final String SLO_TTFT = "llm.slo.ttft";
  public static final String SLO_TPOT = "llm.slo.tpot";
  public static final String SLO_MET = "llm.slo.met";
  public static final String PHASE_SOURCE = "llm.phase.source";
  public static final String UPSTREAM = "llm.upstream";
  public static final String ROLE = "infertrace.role";

  /**
   * Seconds the proxy's event loop stood still while it held the request (a blocking call, a
   * garbage-collection pause, a starved CPU): time its segments show that the proxy itself lost.
   */
  public static final String EVENT_LOOP_STALLED = "infertrace.event_loop.stalled";

  /**
   * The part of {@link #EVENT_LOOP_STALLED} before the proxy read the request: a stall that was
   * going on as it arrived. Its bytes waited in the kernel at most that long, outside the span.
   */
  public static final String EVENT_LOOP_STALLED_BEFORE_READ =
      "infertrace.event_loop.stalled_before_read";

  /**
   * The part of {@link #EVENT_LOOP_STALLED} between the proxy's reading the request and its sending
   * it upstream (reading the body, routing, connecting): a stall then held the request on its way,
   * and with it the first token, at most that long.
   */
  public static final String EVENT_LOOP_DELAY_REQUEST = "infertrace.event_loop.delay.request";

  /**
   * How long a stall held the request's first token at the proxy (it came in during the stall, or
   * just before it ended: at most this long).
   */
  public static final String EVENT_LOOP_DELAY_FIRST_TOKEN =
      "infertrace.event_loop.delay.first_token";

  /** How long a stall held the end of the request's response at the proxy (at most). */
  public static final String EVENT_LOOP_DELAY_END = "infertrace.event_loop.delay.end";

  public static final String ROUTE_ENDPOINT = "llm.route.endpoint";
  public static final String ROUTE_OUTCOME = "llm.route.outcome";

  // Where a proxied request's time went, by segment (seconds; they add up to the span's duration).
  public static final String SEGMENT_REQUEST_READ = "llm.segment.request_read";
  public static final String SEGMENT_ROUTE = "llm.segment.route";
  public static final String SEGMENT_CONNECT = "llm.segment.connect";
  public static final String SEGMENT_UPSTREAM_HEAD = "llm.segment.upstream_head";
  public static final String SEGMENT_EPP_RESPONSE = "llm.segment.epp_response";
  public static final String SEGMENT_RELAY = "llm.segment.relay";
  public static final String SEGMENT_CLIENT_SLOW_READ = "llm.segment.client_slow_read";

  /**
   * The worker's own verdict on a request, where the evidence is local and abnormal by itself:
   * {@code gpu_fault} (an XID during it), {@code gpu_throttling} (clocks held down for a slowing
   * reason), {@code kv_cache_pressure} (KV cache near full with preemptions). Absent otherwise.
   */
  public static final String VERDICT = "llm.verdict";

  /** The figures behind {@link #VERDICT}, readable as they are. */
  public static final String VERDICT_EVIDENCE = "llm.verdict.evidence";

  // HTTP and error conventions.
  public static final String HTTP_METHOD = "http.request.method";
  public static final String HTTP_STATUS = "http.response.status_code";
  public static final String URL_PATH = "url.path";
  public static final String SERVER_ADDRESS = "server.address";
  public static final String SERVER_PORT = "server.port";
  public static final String ERROR_TYPE = "error.type";

  /** Value of {@link #PROVIDER_NAME}: no value is defined for vLLM; custom values are allowed. */
  public static final String PROVIDER_VLLM = "vllm";

  /** Values of {@link #PHASE_SOURCE}. */
  public static final String SOURCE_STREAM = "stream";

  public static final String SOURCE_ENGINE = "engine";
}
