package dev.infertrace.proxy.admin;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * A fixed-bucket histogram that keeps, per bucket, the last observation's trace id as an
 * OpenMetrics exemplar — so a slow bucket on a dashboard links to a trace of a slow request.
 * Thread-safe, allocation per observation: one small exemplar record.
 */
final class ExemplarHistogram {
  record Exemplar(String traceId, double value, long epochMillis) {}

  private final double[] bounds;
  private final AtomicLongArray counts;
  private final AtomicReferenceArray<Exemplar> exemplars;
  private final DoubleAdder sum = new DoubleAdder();

  ExemplarHistogram(double[] bounds) {
    this.bounds = bounds;
    this.counts = new AtomicLongArray(bounds.length + 1);
    this.exemplars = new AtomicReferenceArray<>(bounds.length + 1);
  }

  void observe(double value, String traceId) {
    int i = 0;
    while (i < bounds.length && value > bounds[i]) {
      i++;
    }
    counts.incrementAndGet(i);
    sum.add(value);
    if (traceId != null) {
      exemplars.set(i, new Exemplar(traceId, value, System.currentTimeMillis()));
    }
  }

  void write(StringBuilder out, String name, String labels) {
    long cumulative = 0;
    for (int i = 0; i <= bounds.length; i++) {
      cumulative += counts.get(i);
      out.append(name)
          .append("_bucket{")
          .append(labels)
          .append(labels.isEmpty() ? "" : ",")
          .append("le=\"")
          .append(i < bounds.length ? OpenMetrics.number(bounds[i]) : "+Inf")
          .append("\"} ")
          .append(cumulative);
      Exemplar e = exemplars.get(i);
      if (e != null) {
        out.append(" # {trace_id=\"")
            .append(e.traceId())
            .append("\"} ")
            .append(OpenMetrics.number(e.value()))
            .append(' ')
            .append(OpenMetrics.number(e.epochMillis() / 1000.0));
      }
      out.append('\n');
    }
    out.append(name)
        .append("_sum{")
        .append(labels)
        .append("} ")
        .append(OpenMetrics.number(sum.sum()))
        .append('\n');
    out.append(name).append("_count{").append(labels).append("} ").append(cumulative).append('\n');
  }
}
