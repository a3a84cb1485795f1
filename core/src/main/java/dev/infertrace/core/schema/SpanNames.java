package dev.infertrace.core.schema;

/**
 * Names of the spans and span events infertrace makes (other than the {@code {operation} {model}}
 * request spans, whose names are built per request). vLLM's own span name is {@link
 * VllmSpanAttributes#SPAN_NAME}.
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
}
