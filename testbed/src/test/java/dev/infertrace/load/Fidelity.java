package dev.infertrace.load;

import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * One client's view of a run against the ingress's SERVER spans of the same requests, matched by
 * trace id: the absolute difference per request of TTFT, mean ITL, largest ITL and E2E (ms), and
 * whether the output token counts are equal; and the smallest client-minus-ingress TTFT (negative
 * if the client ever saw its first token before the ingress did, which cannot happen).
 */
record Fidelity(
    String client,
    int requests,
    Distribution ttft,
    Distribution itlMean,
    Distribution itlMax,
    Distribution e2e,
    int tokenMismatches,
    double signedTtftMin) {

  /**
   * What a client measured of one request.
   *
   * @param key what matches it with its span: the trace id, or the response id
   * @param itlMs every gap, or empty when the client reports only their mean
   */
  record Seen(
      String key,
      double ttftMs,
      List<Double> itlMs,
      double itlMeanMs,
      double e2eMs,
      int outputTokens) {
    Seen(String key, double ttftMs, List<Double> itlMs, double e2eMs, int outputTokens) {
      this(key, ttftMs, itlMs, Distribution.of(itlMs).mean(), e2eMs, outputTokens);
    }
  }

  static Fidelity compare(String client, Collection<Seen> seen, List<ReceivedSpan> serverSpans) {
    return compare(client, seen, serverSpans, ReceivedSpan::traceId);
  }

  static Fidelity compare(
      String client,
      Collection<Seen> seen,
      List<ReceivedSpan> serverSpans,
      Function<ReceivedSpan, Object> key) {
    Map<Object, ReceivedSpan> byTrace = new java.util.HashMap<>();
    for (ReceivedSpan s : serverSpans) {
      Object k = key.apply(s);
      if (k != null) {
        byTrace.putIfAbsent(String.valueOf(k), s);
      }
    }
    List<Double> ttft = new ArrayList<>();
    List<Double> itlMean = new ArrayList<>();
    List<Double> itlMax = new ArrayList<>();
    List<Double> e2e = new ArrayList<>();
    int mismatches = 0;
    double signedMin = Double.MAX_VALUE;
    for (Seen s : seen) {
      ReceivedSpan span = byTrace.get(s.key());
      if (span == null) {
        throw new AssertionError("no ingress span for " + s.key());
      }
      double d = s.ttftMs() - ms(span, LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN);
      ttft.add(Math.abs(d));
      signedMin = Math.min(signedMin, d);
      itlMean.add(Math.abs(s.itlMeanMs() - ms(span, LlmAttributes.LATENCY_ITL_MEAN)));
      if (!s.itlMs().isEmpty()) {
        itlMax.add(
            Math.abs(Distribution.of(s.itlMs()).max() - ms(span, LlmAttributes.LATENCY_ITL_MAX)));
      }
      e2e.add(Math.abs(s.e2eMs() - ms(span, LlmAttributes.LATENCY_E2E)));
      Object tokens = span.attribute(LlmAttributes.USAGE_OUTPUT_TOKENS);
      if (!(tokens instanceof Number n) || n.intValue() != s.outputTokens()) {
        mismatches++;
      }
    }
    return new Fidelity(
        client,
        seen.size(),
        Distribution.of(ttft),
        Distribution.of(itlMean),
        Distribution.of(itlMax),
        Distribution.of(e2e),
        mismatches,
        signedMin);
  }

  /** A row of the BENCHMARKS.md table: p50 / p99 / max of each difference, in ms. */
  String row() {
    return String.format(
        Locale.ROOT,
        "| %s vs ingress spans | %d | %s | %s | %s | %s | %d |",
        client,
        requests,
        cell(ttft),
        cell(itlMean),
        cell(itlMax),
        cell(e2e),
        requests - tokenMismatches);
  }

  private static String cell(Distribution d) {
    if (d.count() == 0) {
      return "not reported";
    }
    return String.format(Locale.ROOT, "%.3f / %.3f / %.3f", d.p50(), d.p99(), d.max());
  }

  private static double ms(ReceivedSpan span, String key) {
    Object v = span.attribute(key);
    if (!(v instanceof Number n)) {
      throw new AssertionError("span " + span.traceId() + " has no " + key);
    }
    return n.doubleValue() * 1000;
  }
}
