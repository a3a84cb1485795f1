package dev.infertrace.testbed.sim.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A Prometheus histogram with fixed upper bounds. One writer (the engine thread) and any number of
 * readers: observing is allocation-free; a render may see an observation's bucket before its sum,
 * which Prometheus tolerates.
 */
final class FixedHistogram {
  private final double[] bounds;
  private final AtomicLongArray counts;
  private final AtomicLong sumBits = new AtomicLong(Double.doubleToLongBits(0));

  FixedHistogram(double[] bounds) {
    this.bounds = bounds.clone();
    this.counts = new AtomicLongArray(bounds.length + 1);
  }

  void observe(double value) {
    int i = 0;
    while (i < bounds.length && value > bounds[i]) {
      i++;
    }
    counts.incrementAndGet(i);
    sumBits.lazySet(Double.doubleToLongBits(Double.longBitsToDouble(sumBits.get()) + value));
  }

  /** Writes the {@code _bucket}, {@code _sum} and {@code _count} lines. */
  void write(PrometheusWriter out, String name, String labels) {
    long cumulative = 0;
    for (int i = 0; i <= bounds.length; i++) {
      cumulative += counts.get(i);
      String le = i < bounds.length ? PrometheusWriter.number(bounds[i]) : "+Inf";
      out.sample(name + "_bucket", labels + ",le=\"" + le + "\"", cumulative);
    }
    out.sample(name + "_sum", labels, Double.longBitsToDouble(sumBits.get()));
    out.sample(name + "_count", labels, cumulative);
  }
}
