package dev.infertrace.testbed.soak;

import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.HdrHistogram.Histogram;

/**
 * What a soak found.
 *
 * @param seconds how long the load ran
 * @param spans each proxy's span counts after the final flush, by name
 * @param collectorSpans spans the collector received
 * @param rss resident set size samples, bytes
 * @param heap heap-after-full-GC samples, bytes
 * @param fds open file descriptor samples
 * @param drainedSeconds from the start of the load to the end of its last request
 * @param totalSeconds the whole command, probe and drain included
 */
record SoakResult(
    SoakConfig config,
    List<Step> saturationSteps,
    double saturation,
    double rate,
    double seconds,
    Requests requests,
    Histogram ttft,
    Histogram e2e,
    List<FaultWindow> faults,
    Map<String, SpanAccounts.Counts> spans,
    long collectorSpans,
    List<Slope.Point> rss,
    List<Slope.Point> heap,
    List<Slope.Point> fds,
    double drainedSeconds,
    double totalSeconds) {

  /** Slopes are judged only when the second half of the run lasts this long: 10 minutes. */
  static final double JUDGED_FROM_SECONDS = 20 * 60;

  /** Flat means a second-half slope under these, per hour. */
  static final double HEAP_MAX_PER_HOUR = 16.0 * 1024 * 1024;

  static final double RSS_MAX_PER_HOUR = 64.0 * 1024 * 1024;
  static final double FDS_MAX_PER_HOUR = 60;

  /** One step of the saturation probe. */
  record Step(int clients, double perSecond) {}

  /** The requests, by what their clients saw. */
  record Requests(
      long sent,
      long notSent,
      long ok,
      long okSlowRead,
      long cancelled,
      long failed,
      Map<String, Long> explainedBy,
      List<Failure> unexplained) {
    long explained() {
      return explainedBy.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** A failure no fault explains. */
  record Failure(
      String traceId,
      String requestId,
      String behaviour,
      long startNanos,
      long endNanos,
      @Nullable String worker,
      String why) {}

  /** A resource's slope over the second half and its verdict. */
  record Trend(String name, String unit, double perHour, double maxPerHour, String verdict) {
    boolean growing() {
      return verdict.equals("growing");
    }
  }

  Trend heapTrend() {
    return trend("heap after GC", "bytes", heap, HEAP_MAX_PER_HOUR);
  }

  Trend rssTrend() {
    return trend("RSS", "bytes", rss, RSS_MAX_PER_HOUR);
  }

  Trend fdsTrend() {
    return trend("open file descriptors", "fds", fds, FDS_MAX_PER_HOUR);
  }

  private Trend trend(String name, String unit, List<Slope.Point> points, double max) {
    double slope = Slope.perHour(Slope.secondHalf(points, seconds));
    String verdict =
        seconds < JUDGED_FROM_SECONDS
            ? "not judged (run under 20 min)"
            : slope > max ? "growing" : "flat";
    return new Trend(name, unit, slope, max, verdict);
  }

  /** Every proxy's counts summed. */
  SpanAccounts.Counts spanTotal() {
    SpanAccounts.Counts t = SpanAccounts.Counts.zero();
    for (SpanAccounts.Counts c : spans.values()) {
      t = t.plus(c);
    }
    return t;
  }

  /** Every span accounted: created = exported + dropped for every proxy, none left queued. */
  boolean spansBalanced() {
    return spans.values().stream().allMatch(c -> c.balanced() && c.queued() == 0);
  }

  /** Faults injected, by component. */
  Map<String, Long> faultCounts() {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    for (FaultWindow.Component c : SoakConfig.CYCLE) {
      out.put(c.label(), faults.stream().filter(f -> f.component() == c).count());
    }
    return out;
  }

  /** Why the soak failed, or an empty list. */
  List<String> problems() {
    List<String> p = new java.util.ArrayList<>();
    if (!requests.unexplained().isEmpty()) {
      p.add(requests.unexplained().size() + " failed request(s) no fault explains");
    }
    if (!spansBalanced()) {
      p.add("span accounting does not balance (created != exported + dropped, or spans queued)");
    }
    for (Trend t : List.of(heapTrend(), rssTrend(), fdsTrend())) {
      if (t.growing()) {
        p.add(t.name() + " growing");
      }
    }
    faultCounts()
        .forEach(
            (c, n) -> {
              if (n == 0) {
                p.add("fault " + c + " never injected");
              }
            });
    return p;
  }
}
