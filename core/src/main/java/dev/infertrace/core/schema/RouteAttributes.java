package dev.infertrace.core.schema;

/**
 * Attributes of the EPP's {@code llm.route} span and of its {@code llm.route.candidate} events
 * ({@link SpanNames}). The span's endpoint and outcome are {@link LlmAttributes#ROUTE_ENDPOINT} and
 * {@link LlmAttributes#ROUTE_OUTCOME} (the ingress's ext_proc span carries them too). Durations in
 * seconds.
 */
public final class RouteAttributes {
  private RouteAttributes() {}

  /** The EPP's {@code x-gateway-destination-endpoint-scores}, as it sent them (text). */
  public static final String SCORES = "llm.route.scores";

  /** Request end of stream → routing answer, seconds. */
  public static final String DECISION_TIME = "llm.route.decision_time";

  /** On a candidate event: the endpoint, {@code ip:port}. */
  public static final String CANDIDATE = "llm.route.candidate";

  /** On a candidate event: the endpoint's name in the endpoints file. */
  public static final String CANDIDATE_NAME = "llm.route.candidate.name";

  /** On a candidate event: whether the EPP picked this endpoint (boolean). */
  public static final String CHOSEN = "llm.route.chosen";

  /**
   * On the span's link to the EPP's own span (an EPP that starts a trace of its own and names its
   * span in the {@code traceparent} of its header mutation): {@code epp}.
   */
  public static final String LINK = "llm.route.link";

  /** On a candidate event: the EPP's score of this endpoint, when it sent scores. */
  public static final String SCORE = "llm.route.score";
}
