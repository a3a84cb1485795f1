package dev.infertrace.core.stream;

import javax.annotation.Nullable;

/**
 * The latencies of one response, defined once for every span and metric that reports them (the
 * proxy's SERVER spans and histograms, the javaagent extension's CLIENT spans). Seconds; {@code
 * NaN} when the moment never came (no token, one token, no gap). A value class (equals, hashCode
 * and toString as a record's would be: core is Java 8 source, see the pom).
 */
public final class Latencies {
  private final double e2e;
  private final double timeToAck;
  private final double ttft;
  private final double tpot;
  private final double itlMean;
  private final double itlP50;
  private final double itlP99;
  private final double itlMax;

  /**
   * @param e2e from the start to the end of the response
   * @param timeToAck to the first SSE event (with vLLM, the role-only chunk)
   * @param ttft to the first chunk that carries a token
   * @param tpot {@code (e2e − ttft) / (output tokens − 1)}, as vLLM's benchmark defines it
   * @param itlMean mean gap between token chunks, the first token excluded
   * @param itlP50 median of those gaps
   * @param itlP99 99th percentile of those gaps
   * @param itlMax the longest gap
   */
  public Latencies(
      double e2e,
      double timeToAck,
      double ttft,
      double tpot,
      double itlMean,
      double itlP50,
      double itlP99,
      double itlMax) {
    this.e2e = e2e;
    this.timeToAck = timeToAck;
    this.ttft = ttft;
    this.tpot = tpot;
    this.itlMean = itlMean;
    this.itlP50 = itlP50;
    this.itlP99 = itlP99;
    this.itlMax = itlMax;
  }

  public double e2e() {
    return e2e;
  }

  public double timeToAck() {
    return timeToAck;
  }

  public double ttft() {
    return ttft;
  }

  public double tpot() {
    return tpot;
  }

  public double itlMean() {
    return itlMean;
  }

  public double itlP50() {
    return itlP50;
  }

  public double itlP99() {
    return itlP99;
  }

  public double itlMax() {
    return itlMax;
  }

  private double[] values() {
    return new double[] {e2e, timeToAck, ttft, tpot, itlMean, itlP50, itlP99, itlMax};
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o == this
        || (o instanceof Latencies && java.util.Arrays.equals(values(), ((Latencies) o).values()));
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (double v : values()) {
      h = 31 * h + Double.hashCode(v);
    }
    return h;
  }

  @Override
  public String toString() {
    return "Latencies[e2e="
        + e2e
        + ", timeToAck="
        + timeToAck
        + ", ttft="
        + ttft
        + ", tpot="
        + tpot
        + ", itlMean="
        + itlMean
        + ", itlP50="
        + itlP50
        + ", itlP99="
        + itlP99
        + ", itlMax="
        + itlMax
        + "]";
  }

  /**
   * The latencies of {@code s} timed from {@code fromNanos} (request received, or sent) to {@code
   * endNanos} (the last byte), on the summary's clock; {@code s} null: only the end to end.
   */
  public static Latencies of(@Nullable StreamSummary s, long fromNanos, long endNanos) {
    double e2e = seconds(endNanos - fromNanos);
    if (s == null) {
      return new Latencies(e2e, NaN, NaN, NaN, NaN, NaN, NaN, NaN);
    }
    double ack = s.firstEventNanos() != 0 ? seconds(s.firstEventNanos() - fromNanos) : NaN;
    double ttft = ttft(s, fromNanos);
    double tpot = NaN;
    int out = s.outputTokens();
    if (s.firstTokenNanos() != 0 && out > 1) {
      tpot = seconds(endNanos - s.firstTokenNanos()) / (out - 1);
    }
    GapHistogram gaps = s.gaps();
    if (gaps.count() == 0) {
      return new Latencies(e2e, ack, ttft, tpot, NaN, NaN, NaN, NaN);
    }
    return new Latencies(
        e2e,
        ack,
        ttft,
        tpot,
        gaps.meanNanos() / 1e9,
        seconds(gaps.percentileNanos(0.5)),
        seconds(gaps.percentileNanos(0.99)),
        seconds(gaps.maxNanos()));
  }

  /** Time to first token alone, from {@code fromNanos}; NaN when no token came. */
  public static double ttft(StreamSummary s, long fromNanos) {
    return s.firstTokenNanos() != 0 ? seconds(s.firstTokenNanos() - fromNanos) : NaN;
  }

  /** Nanoseconds as seconds, the unit of every latency attribute. */
  public static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static final double NaN = Double.NaN;
}
