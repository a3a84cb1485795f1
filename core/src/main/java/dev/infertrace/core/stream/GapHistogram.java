package dev.infertrace.core.stream;

/**
 * Inter-chunk gaps of one stream in a small fixed histogram: exact count, mean and max; p50/p99
 * within one sub-bucket (4 per power of two, so at most ~19 % above the true value). Fixed size,
 * one allocation at the first gap and none after. Not thread-safe: one stream, one thread.
 */
public final class GapHistogram {
  private static final int SUB = 4;
  private static final int BUCKETS = 40 * SUB;

  private int[] counts; // allocated at the first gap: most exchanges (non-streaming) record none
  private long count;
  private long sumNanos;
  private long maxNanos;

  /** Records a gap in nanoseconds (negative gaps count as 0). */
  public void record(long nanos) {
    long v = Math.max(0, nanos);
    if (counts == null) {
      counts = new int[BUCKETS];
    }
    counts[index(v)]++;
    count++;
    sumNanos += v;
    maxNanos = Math.max(maxNanos, v);
  }

  public long count() {
    return count;
  }

  /** Mean gap in nanoseconds, 0 when empty. */
  public double meanNanos() {
    return count == 0 ? 0 : (double) sumNanos / count;
  }

  public long maxNanos() {
    return maxNanos;
  }

  /** The upper bound of the bucket holding the {@code q}-quantile (0 &lt; q ≤ 1), capped at max. */
  public long percentileNanos(double q) {
    if (count == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * count);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(upperBound(i), maxNanos);
      }
    }
    return maxNanos;
  }

  static int index(long nanos) {
    // Values below 1 µs share bucket 0; above that 4 sub-buckets per power of two of µs.
    long micros = nanos / 1000;
    if (micros < 1) {
      return 0;
    }
    int log = 63 - Long.numberOfLeadingZeros(micros);
    int sub = log >= 2 ? (int) ((micros >>> (log - 2)) & 3) : (int) (micros - (1L << log));
    return Math.min(BUCKETS - 1, 1 + log * SUB + sub);
  }

  static long upperBound(int index) {
    if (index == 0) {
      return 999;
    }
    int log = (index - 1) / SUB;
    int sub = (index - 1) % SUB;
    long base = 1L << log;
    long step = Math.max(1, base / SUB);
    return ((base + (sub + 1) * step) * 1000) - 1;
  }
}
