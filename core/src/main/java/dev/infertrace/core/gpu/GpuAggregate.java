package dev.infertrace.core.gpu;

import dev.infertrace.core.state.Timeline;
import java.util.function.ToDoubleFunction;

/**
 * One DCGM field reduced to one number: across the GPUs of a sample, and across the samples of a
 * time window. The reduction is the same on both axes, so a field means the same thing whether the
 * span covers one sample or many: the mean (utilisation, power), or the worst GPU at the worst
 * moment (lowest clock, highest temperature). Values keep {@link DcgmSample}'s units. A field a GPU
 * did not report (NaN) is left out; a caller that wants it counted as zero says so in the field
 * function.
 */
public final class GpuAggregate {
  private GpuAggregate() {}

  /** How values are combined. */
  public enum Reduce {
    MIN,
    AVG,
    MAX
  }

  /** {@code field} over the GPUs of {@code sample}; NaN when no GPU reported it. */
  public static double across(
      DcgmSample sample, ToDoubleFunction<DcgmSample.Values> field, Reduce reduce) {
    double acc =
        reduce == Reduce.MIN
            ? Double.POSITIVE_INFINITY
            : reduce == Reduce.MAX ? Double.NEGATIVE_INFINITY : 0;
    int n = 0;
    for (DcgmSample.Values v : sample.byUuid().values()) {
      double x = field.applyAsDouble(v);
      if (Double.isNaN(x)) {
        continue;
      }
      acc =
          reduce == Reduce.MIN
              ? Math.min(acc, x)
              : reduce == Reduce.MAX ? Math.max(acc, x) : acc + x;
      n++;
    }
    if (n == 0) {
      return Double.NaN;
    }
    return reduce == Reduce.AVG ? acc / n : acc;
  }

  /**
   * {@code field} over the window {@code [from, to]} (epoch nanoseconds) of {@code samples}: each
   * sample reduced {@link #across} its GPUs, then those reduced the same way over the samples in
   * the window plus the one in force at {@code from} (the mean of per-sample means; the min of
   * minima; the max of maxima). NaN when no sample in the window reported the field.
   */
  public static double over(
      Timeline<DcgmSample> samples,
      long from,
      long to,
      ToDoubleFunction<DcgmSample.Values> field,
      Reduce reduce) {
    Timeline.Stats s = samples.over(from, to, sample -> across(sample, field, reduce));
    if (s == null) {
      return Double.NaN;
    }
    return reduce == Reduce.MIN ? s.min() : reduce == Reduce.MAX ? s.max() : s.avg();
  }
}
