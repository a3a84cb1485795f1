package dev.infertrace.core.state;

import java.util.Objects;
import java.util.function.ToDoubleFunction;
import javax.annotation.Nullable;

/**
 * A bounded, time-ordered ring of samples (the newest {@code capacity} kept) with the two questions
 * spans ask: the state at an instant, and min/avg/max over a window. Thread-safe: one writer (a
 * scraper), any number of readers.
 *
 * <p>Sample and Stats are value classes (equals, hashCode and toString as a record's would be: core
 * is Java 8 source, see the pom).
 *
 * @param <T> the sample type
 */
public final class Timeline<T> {
  /** A sample and when it was taken (epoch nanoseconds). */
  public static final class Sample<T> {
    private final long epochNanos;
    private final T value;

    public Sample(long epochNanos, T value) {
      this.epochNanos = epochNanos;
      this.value = value;
    }

    public long epochNanos() {
      return epochNanos;
    }

    public T value() {
      return value;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof Sample)) {
        return false;
      }
      Sample<?> x = (Sample<?>) o;
      return epochNanos == x.epochNanos && Objects.equals(value, x.value);
    }

    @Override
    public int hashCode() {
      int h = 0;
      h = 31 * h + Long.hashCode(epochNanos);
      h = 31 * h + Objects.hashCode(value);
      return h;
    }

    @Override
    public String toString() {
      return "Sample[" + "epochNanos=" + epochNanos + ", value=" + value + "]";
    }
  }

  /** min/avg/max of a value over a window, with how many samples it saw. */
  public static final class Stats {
    private final double min;
    private final double avg;
    private final double max;
    private final int samples;

    public Stats(double min, double avg, double max, int samples) {
      this.min = min;
      this.avg = avg;
      this.max = max;
      this.samples = samples;
    }

    public double min() {
      return min;
    }

    public double avg() {
      return avg;
    }

    public double max() {
      return max;
    }

    public int samples() {
      return samples;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof Stats)) {
        return false;
      }
      Stats x = (Stats) o;
      return Double.compare(min, x.min) == 0
          && Double.compare(avg, x.avg) == 0
          && Double.compare(max, x.max) == 0
          && samples == x.samples;
    }

    @Override
    public int hashCode() {
      int h = 0;
      h = 31 * h + Double.hashCode(min);
      h = 31 * h + Double.hashCode(avg);
      h = 31 * h + Double.hashCode(max);
      h = 31 * h + Integer.hashCode(samples);
      return h;
    }

    @Override
    public String toString() {
      return "Stats[min=" + min + ", avg=" + avg + ", max=" + max + ", samples=" + samples + "]";
    }
  }

  private final Object[] ring;
  private final long[] times;
  private int next;
  private int size;

  public Timeline(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
    }
    ring = new Object[capacity];
    times = new long[capacity];
  }

  public synchronized void add(long epochNanos, T value) {
    ring[next] = value;
    times[next] = epochNanos;
    next = (next + 1) % ring.length;
    size = Math.min(size + 1, ring.length);
  }

  /** The newest sample taken at or before {@code epochNanos}, or null. */
  @Nullable
  @SuppressWarnings("unchecked")
  public synchronized Sample<T> at(long epochNanos) {
    for (int k = 1; k <= size; k++) {
      int i = Math.floorMod(next - k, ring.length);
      if (times[i] <= epochNanos) {
        return new Sample<>(times[i], (T) ring[i]);
      }
    }
    return null;
  }

  /**
   * Statistics of {@code f} over the samples in {@code [from, to]}, plus the sample in force at
   * {@code from}; null when there is none.
   */
  @Nullable
  @SuppressWarnings("unchecked")
  public synchronized Stats over(long from, long to, ToDoubleFunction<T> f) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    int n = 0;
    boolean tookFloor = false;
    for (int k = 1; k <= size; k++) {
      int i = Math.floorMod(next - k, ring.length);
      long t = times[i];
      if (t > to) {
        continue;
      }
      if (t < from) {
        if (tookFloor) {
          break;
        }
        tookFloor = true; // the state in force when the window opened
      }
      double v = f.applyAsDouble((T) ring[i]);
      if (Double.isNaN(v)) {
        continue;
      }
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      n++;
      if (tookFloor) {
        break;
      }
    }
    return n == 0 ? null : new Stats(min, sum / n, max, n);
  }

  /**
   * The samples in {@code [from, to]} plus the one in force at {@code from}, oldest first (a
   * phase's window as {@link #over} sees it).
   */
  @SuppressWarnings("unchecked")
  public synchronized java.util.List<Sample<T>> window(long from, long to) {
    java.util.ArrayDeque<Sample<T>> out = new java.util.ArrayDeque<>();
    for (int k = 1; k <= size; k++) {
      int i = Math.floorMod(next - k, ring.length);
      if (times[i] > to) {
        continue;
      }
      out.addFirst(new Sample<>(times[i], (T) ring[i]));
      if (times[i] <= from) {
        break; // the state in force when the window opened
      }
    }
    return java.util.Collections.unmodifiableList(new java.util.ArrayList<>(out));
  }

  /**
   * When the newest run of samples that satisfy {@code p}, up to {@code at}, began: the time of its
   * oldest sample still held (epoch nanoseconds), or -1 when no sample up to {@code at} satisfies
   * it. Tells when a state first showed (an XID, a fault) relative to a span.
   */
  @SuppressWarnings("unchecked")
  public synchronized long runStart(long at, java.util.function.Predicate<T> p) {
    long start = -1;
    for (int k = 1; k <= size; k++) {
      int i = Math.floorMod(next - k, ring.length);
      if (times[i] > at) {
        continue;
      }
      if (p.test((T) ring[i])) {
        start = times[i];
      } else if (start >= 0) {
        break;
      }
    }
    return start;
  }
}
