package dev.infertrace.testbed.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The soak's report: {@code soak.json} and the table on stdout. */
final class SoakReport {
  static final String FILE = "soak.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double MIB = 1024 * 1024;

  private SoakReport() {}

  /** Writes {@code DIR/soak.json}; returns its path. */
  static Path write(SoakResult r, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(FILE);
    Files.writeString(file, json(r).toPrettyString() + "\n", StandardCharsets.UTF_8);
    return file;
  }

  static ObjectNode json(SoakResult r) {
    ObjectNode o = JSON.createObjectNode();
    SoakConfig c = r.config();
    ObjectNode cfg = o.putObject("config");
    cfg.put("seconds", c.length().toSeconds());
    cfg.put("workers", c.workers());
    cfg.put("loadFraction", c.loadFraction());
    cfg.put("faultPeriodSeconds", c.faultPeriod().toMillis() / 1000.0);
    cfg.put("faultLengthSeconds", c.faultLength().toMillis() / 1000.0);
    cfg.put("graceSeconds", c.grace().toMillis() / 1000.0);
    cfg.put("seed", c.seed());
    cfg.put("cancelShare", Soak.CANCEL_SHARE);
    cfg.put("slowReadShare", Soak.SLOW_READ_SHARE);
    cfg.put("availableProcessors", Runtime.getRuntime().availableProcessors());
    cfg.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    ObjectNode sat = o.putObject("saturation");
    sat.put("requestsPerSecond", r.saturation());
    ArrayNode steps = sat.putArray("steps");
    for (SoakResult.Step s : r.saturationSteps()) {
      steps.addObject().put("clients", s.clients()).put("requestsPerSecond", s.perSecond());
    }
    o.put("rateRequestsPerSecond", r.rate());
    o.put("loadSeconds", r.seconds());
    o.put("totalSeconds", r.totalSeconds());
    SoakResult.Requests q = r.requests();
    ObjectNode req = o.putObject("requests");
    req.put("sent", q.sent());
    req.put("notSent", q.notSent());
    req.put("ok", q.ok());
    req.put("okSlowRead", q.okSlowRead());
    req.put("cancelledByClient", q.cancelled());
    req.put("failed", q.failed());
    req.put("failedExplained", q.explained());
    ObjectNode by = req.putObject("explainedBy");
    q.explainedBy().forEach(by::put);
    req.put("failedUnexplained", q.unexplained().size());
    ArrayNode un = req.putArray("unexplained");
    for (SoakResult.Failure f : q.unexplained()) {
      un.addObject()
          .put("traceId", f.traceId())
          .put("requestId", f.requestId())
          .put("behaviour", f.behaviour())
          .put("startUnixNano", f.startNanos())
          .put("endUnixNano", f.endNanos())
          .put("worker", f.worker())
          .put("why", f.why());
    }
    ObjectNode lat = o.putObject("latencySeconds");
    percentiles(lat.putObject("ttft"), r.ttft());
    percentiles(lat.putObject("e2e"), r.e2e());
    ObjectNode faults = o.putObject("faults");
    ObjectNode counts = faults.putObject("count");
    r.faultCounts().forEach(counts::put);
    ArrayNode windows = faults.putArray("windows");
    for (FaultWindow f : r.faults()) {
      windows
          .addObject()
          .put("component", f.component().label())
          .put("target", f.target())
          .put("startUnixNano", f.startNanos())
          .put("endUnixNano", f.endNanos());
    }
    ObjectNode spans = o.putObject("spans");
    spans.put("balanced", r.spansBalanced());
    counts(spans.putObject("total"), r.spanTotal());
    ObjectNode per = spans.putObject("byProxy");
    r.spans().forEach((name, cnt) -> counts(per.putObject(name), cnt));
    spans.put("receivedByCollector", r.collectorSpans());
    ObjectNode res = o.putObject("resources");
    res.put("scope", "the soak process: every proxy, twin, EPP, collector and client in one JVM");
    trend(res.putObject("heapAfterGc"), r.heapTrend(), r.heap());
    trend(res.putObject("rss"), r.rssTrend(), r.rss());
    trend(res.putObject("openFds"), r.fdsTrend(), r.fds());
    ArrayNode problems = o.putArray("problems");
    r.problems().forEach(problems::add);
    o.put("passed", r.problems().isEmpty());
    return o;
  }

  private static void percentiles(ObjectNode o, Histogram h) {
    o.put("count", h.getTotalCount());
    if (h.getTotalCount() > 0) {
      o.put("p50", h.getValueAtPercentile(50) / 1e6);
      o.put("p99", h.getValueAtPercentile(99) / 1e6);
      o.put("max", h.getMaxValue() / 1e6);
    }
  }

  private static void counts(ObjectNode o, SpanAccounts.Counts c) {
    o.put("created", c.created());
    o.put("exported", c.exported());
    ObjectNode d = o.putObject("dropped");
    c.dropped().forEach(d::put);
    o.put("queued", c.queued());
    o.put("balanced", c.balanced());
  }

  private static void trend(ObjectNode o, SoakResult.Trend t, List<Slope.Point> points) {
    o.put("unit", t.unit());
    o.put("slopePerHourSecondHalf", t.perHour());
    o.put("flatBelowPerHour", t.maxPerHour());
    o.put("verdict", t.verdict());
    o.put("samples", points.size());
    if (!points.isEmpty()) {
      o.put("first", points.get(0).value());
      o.put("last", points.get(points.size() - 1).value());
      o.put("max", points.stream().mapToDouble(Slope.Point::value).max().orElse(0));
    }
  }

  /** The short table. */
  static void print(SoakResult r, Path file, PrintWriter out) {
    SoakResult.Requests q = r.requests();
    out.printf(
        Locale.ROOT,
        "soak: %.0f s at %.2f req/s (%.0f %% of the measured saturation, %.2f req/s), %d workers%n",
        r.seconds(),
        r.rate(),
        r.config().loadFraction() * 100,
        r.saturation(),
        r.config().workers());
    out.printf(
        Locale.ROOT,
        "%-34s %s%n",
        "requests sent",
        q.sent() + (q.notSent() > 0 ? " (" + q.notSent() + " not sent: too many in flight)" : ""));
    out.printf(
        Locale.ROOT,
        "%-34s %d (slow readers among them: %d)%n",
        "  completed",
        q.ok(),
        q.okSlowRead());
    out.printf(Locale.ROOT, "%-34s %d%n", "  cancelled by their client", q.cancelled());
    out.printf(
        Locale.ROOT,
        "%-34s %d, explained by a fault %d %s%n",
        "  failed",
        q.failed(),
        q.explained(),
        q.explainedBy());
    out.printf(
        Locale.ROOT, "%-34s %d%n", "  failed, unexplained (target 0)", q.unexplained().size());
    for (SoakResult.Failure f : q.unexplained().subList(0, Math.min(10, q.unexplained().size()))) {
      out.printf(Locale.ROOT, "    trace %s  %s  %s%n", f.traceId(), f.requestId(), f.why());
    }
    out.printf(Locale.ROOT, "%-34s %s%n", "faults injected", r.faultCounts());
    SpanAccounts.Counts t = r.spanTotal();
    out.printf(
        Locale.ROOT,
        "%-34s created %d = exported %d + dropped %d %s + queued %d: %s%n",
        "spans (all proxies)",
        t.created(),
        t.exported(),
        t.droppedTotal(),
        t.dropped(),
        t.queued(),
        r.spansBalanced() ? "balanced" : "NOT BALANCED");
    for (Map.Entry<String, SpanAccounts.Counts> e : r.spans().entrySet()) {
      SpanAccounts.Counts c = e.getValue();
      out.printf(
          Locale.ROOT,
          "  %-32s created %d, exported %d, dropped %s, queued %d%n",
          e.getKey(),
          c.created(),
          c.exported(),
          c.dropped(),
          c.queued());
    }
    out.printf(Locale.ROOT, "%-34s %d%n", "spans received by the collector", r.collectorSpans());
    for (SoakResult.Trend tr : List.of(r.heapTrend(), r.rssTrend(), r.fdsTrend())) {
      boolean bytes = tr.unit().equals("bytes");
      out.printf(
          Locale.ROOT,
          "%-34s %s%+.1f %s/h over the second half (flat below %.0f): %s%n",
          tr.name() + " slope",
          "",
          bytes ? tr.perHour() / MIB : tr.perHour(),
          bytes ? "MiB" : "fds",
          bytes ? tr.maxPerHour() / MIB : tr.maxPerHour(),
          tr.verdict());
    }
    List<String> problems = r.problems();
    out.println(
        problems.isEmpty() ? "soak: passed" : "soak: FAILED: " + String.join("; ", problems));
    out.println("report: " + file);
    out.flush();
  }
}
