package dev.infertrace.load;

import java.util.Arrays;
import java.util.Collection;

/**
 * Summary of a set of latencies in milliseconds: count, mean, p50/p90/p95/p99 and max. Percentiles
 * interpolate linearly between the closest ranks (numpy's default, which vLLM's bench and guidellm
 * use), computed exactly from every value, not from a histogram. All zero when empty.
 */
public record Distribution(
    long count, double mean, double p50, double p90, double p95, double p99, double max) {

  public static final Distribution EMPTY = new Distribution(0, 0, 0, 0, 0, 0, 0);

  public static Distribution of(Collection<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    if (v.length == 0) {
      return EMPTY;
    }
    Arrays.sort(v);
    double sum = 0;
    for (double x : v) {
      sum += x;
    }
    return new Distribution(
        v.length,
        sum / v.length,
        percentile(v, 50),
        percentile(v, 90),
        percentile(v, 95),
        percentile(v, 99),
        v[v.length - 1]);
  }

  /** The {@code p}th percentile of sorted values, linearly interpolated. */
  static double percentile(double[] sorted, double p) {
    double rank = p / 100 * (sorted.length - 1);
    int lo = (int) Math.floor(rank);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
  }
}
