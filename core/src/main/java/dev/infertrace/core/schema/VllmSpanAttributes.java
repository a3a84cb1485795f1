package dev.infertrace.core.schema;

/**
 * Attributes of vLLM's own {@code llm_request} span ({@link SpanNames#VLLM_REQUEST}), as vLLM V1
 * names them (its {@code SpanAttributes}): the worker reads them to place the exact phases, the
 * testbed's twin writes them. These are vLLM's names, not ours; several equal a GenAI name of
 * {@link LlmAttributes} and are defined as that constant. Latencies in seconds (double), token
 * counts integers.
 */
public final class VllmSpanAttributes {
  private VllmSpanAttributes() {}

  /** vLLM's request id: {@code <prefix>-<X-Request-Id>} (e.g. {@code chatcmpl-…}). */
  public static final String REQUEST_ID = "gen_ai.request.id";

  public static final String REQUEST_MAX_TOKENS = LlmAttributes.REQUEST_MAX_TOKENS;
  public static final String REQUEST_TEMPERATURE = "gen_ai.request.temperature";
  public static final String REQUEST_TOP_P = "gen_ai.request.top_p";
  public static final String REQUEST_N = "gen_ai.request.n";
  public static final String RESPONSE_FINISH_REASONS = LlmAttributes.RESPONSE_FINISH_REASONS;
  public static final String USAGE_PROMPT_TOKENS = "gen_ai.usage.prompt_tokens";
  public static final String USAGE_COMPLETION_TOKENS = "gen_ai.usage.completion_tokens";

  /** Arrival → first token, seconds. */
  public static final String LATENCY_TIME_TO_FIRST_TOKEN =
      LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN;

  /** Arrival → finish, seconds. */
  public static final String LATENCY_E2E = LlmAttributes.LATENCY_E2E;

  /** Time in the waiting queue, seconds. */
  public static final String LATENCY_TIME_IN_QUEUE = "gen_ai.latency.time_in_queue";

  /** Scheduled → first token, seconds. */
  public static final String LATENCY_TIME_IN_MODEL_PREFILL = "gen_ai.latency.time_in_model_prefill";

  /** First → last token, seconds. */
  public static final String LATENCY_TIME_IN_MODEL_DECODE = "gen_ai.latency.time_in_model_decode";

  /** Scheduled → last token, seconds. */
  public static final String LATENCY_TIME_IN_MODEL_INFERENCE =
      "gen_ai.latency.time_in_model_inference";
}
