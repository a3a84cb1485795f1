package dev.infertrace.core.stream;

import dev.infertrace.core.schema.LlmAttributes;

/**
 * What a response's {@link StreamSummary} says as span attributes — ids, model, finish reasons,
 * usage and the latencies — in one place for every span that describes an inference call (the
 * proxy's SERVER spans, the javaagent extension's CLIENT spans). Core has no OpenTelemetry
 * dependency: attributes go to a {@link Sink}, which holds an OpenTelemetry key per {@link Key},
 * made once. Definitions: {@code src/docs/attributes.md}.
 */
public final class ResponseAttributes {
  private ResponseAttributes() {}

  /** The attributes written, by value type. */
  public enum Key {
    RESPONSE_ID(LlmAttributes.RESPONSE_ID, Type.STRING),
    RESPONSE_MODEL(LlmAttributes.RESPONSE_MODEL, Type.STRING),
    RESPONSE_FINISH_REASONS(LlmAttributes.RESPONSE_FINISH_REASONS, Type.STRING_ARRAY),
    USAGE_INPUT_TOKENS(LlmAttributes.USAGE_INPUT_TOKENS, Type.LONG),
    USAGE_CACHED_TOKENS(LlmAttributes.USAGE_CACHED_TOKENS, Type.LONG),
    USAGE_OUTPUT_TOKENS(LlmAttributes.USAGE_OUTPUT_TOKENS, Type.LONG),
    USAGE_OUTPUT_TOKENS_ESTIMATED(LlmAttributes.USAGE_OUTPUT_TOKENS_ESTIMATED, Type.BOOLEAN),
    LATENCY_E2E(LlmAttributes.LATENCY_E2E, Type.DOUBLE),
    LATENCY_TIME_TO_ACK(LlmAttributes.LATENCY_TIME_TO_ACK, Type.DOUBLE),
    LATENCY_TIME_TO_FIRST_TOKEN(LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN, Type.DOUBLE),
    RESPONSE_TIME_TO_FIRST_CHUNK(LlmAttributes.RESPONSE_TIME_TO_FIRST_CHUNK, Type.DOUBLE),
    LATENCY_TIME_PER_OUTPUT_TOKEN(LlmAttributes.LATENCY_TIME_PER_OUTPUT_TOKEN, Type.DOUBLE),
    LATENCY_ITL_MEAN(LlmAttributes.LATENCY_ITL_MEAN, Type.DOUBLE),
    LATENCY_ITL_P50(LlmAttributes.LATENCY_ITL_P50, Type.DOUBLE),
    LATENCY_ITL_P99(LlmAttributes.LATENCY_ITL_P99, Type.DOUBLE),
    LATENCY_ITL_MAX(LlmAttributes.LATENCY_ITL_MAX, Type.DOUBLE);

    /** The attribute's name. */
    public final String attribute;

    /** The type of its value (String, List of String, Long, Double, Boolean). */
    public final Type type;

    Key(String attribute, Type type) {
      this.attribute = attribute;
      this.type = type;
    }
  }

  /** Attribute value types, as OpenTelemetry's. */
  public enum Type {
    STRING,
    STRING_ARRAY,
    LONG,
    DOUBLE,
    BOOLEAN
  }

  /**
   * Where the attributes go (a span). {@code value} is of the key's {@link Key#type}: a String, a
   * {@code List<String>}, a Long, a Double or a Boolean.
   */
  @FunctionalInterface
  public interface Sink {
    void put(Key key, Object value);
  }

  /**
   * Writes the summary's attributes; latencies are timed from {@code fromNanos} (request received,
   * or sent) to {@code endNanos} (the last byte), on the summary's clock.
   */
  public static void write(StreamSummary s, long fromNanos, long endNanos, Sink sink) {
    if (s.responseId() != null) {
      sink.put(Key.RESPONSE_ID, s.responseId());
    }
    if (s.responseModel() != null) {
      sink.put(Key.RESPONSE_MODEL, s.responseModel());
    }
    if (!s.finishReasons().isEmpty()) {
      sink.put(Key.RESPONSE_FINISH_REASONS, s.finishReasons());
    }
    if (s.promptTokens() >= 0) {
      sink.put(Key.USAGE_INPUT_TOKENS, (long) s.promptTokens());
    }
    if (s.cachedTokens() >= 0) {
      sink.put(Key.USAGE_CACHED_TOKENS, (long) s.cachedTokens());
    }
    int out = s.outputTokens();
    if (out > 0 || s.completionTokens() == 0) {
      sink.put(Key.USAGE_OUTPUT_TOKENS, (long) out);
      if (s.outputTokensEstimated()) {
        sink.put(Key.USAGE_OUTPUT_TOKENS_ESTIMATED, true);
      }
    }
    Latencies t = Latencies.of(s, fromNanos, endNanos);
    sink.put(Key.LATENCY_E2E, t.e2e());
    putIfPresent(sink, Key.LATENCY_TIME_TO_ACK, t.timeToAck());
    putIfPresent(sink, Key.LATENCY_TIME_TO_FIRST_TOKEN, t.ttft());
    putIfPresent(sink, Key.RESPONSE_TIME_TO_FIRST_CHUNK, t.ttft());
    putIfPresent(sink, Key.LATENCY_TIME_PER_OUTPUT_TOKEN, t.tpot());
    putIfPresent(sink, Key.LATENCY_ITL_MEAN, t.itlMean());
    putIfPresent(sink, Key.LATENCY_ITL_P50, t.itlP50());
    putIfPresent(sink, Key.LATENCY_ITL_P99, t.itlP99());
    putIfPresent(sink, Key.LATENCY_ITL_MAX, t.itlMax());
  }

  private static void putIfPresent(Sink sink, Key key, double seconds) {
    if (!Double.isNaN(seconds)) {
      sink.put(key, seconds);
    }
  }
}
