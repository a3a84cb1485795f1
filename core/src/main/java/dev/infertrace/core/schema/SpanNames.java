package dev.infertrace.core.schema;

/**
 * Names of the spans and span events infertrace makes (other than the {@code {operation} {model}}
 * request spans, whose names are built per request), and of vLLM's own span.
 */
public final class SpanNames {
  private SpanNames() {}

  /** The EPP's routing decision, one per ext_proc stream. */
  public static final String ROUTE = "llm.route";

  /** Event on {@link #ROUTE}, one per endpoint the EPP could have picked. */
  public static final String ROUTE_CANDIDATE_EVENT = "llm.route.candidate";

  /** Engine phases, placed on vLLM's timeline ({@code llm.phase.source=engine}). */
  public static final String QUEUE = "llm.queue";

  public static final String PREFILL = "llm.prefill";

  /** Decode: from vLLM's span, or measured on the stream (first → last token chunk). */
  public static final String DECODE = "llm.decode";

  /** Stream-measured: request forwarded → first token chunk, when vLLM's span did not come. */
  public static final String FIRST_TOKEN_WAIT = "llm.first_token_wait";

  /** vLLM's own span, one per request (its attributes: {@link VllmSpanAttributes}). */
  public static final String VLLM_REQUEST = "llm_request";

  /** The instrumentation scope vLLM's tracer exports {@link #VLLM_REQUEST} under. */
  public static final String VLLM_SCOPE = "vllm.llm_engine";
}
