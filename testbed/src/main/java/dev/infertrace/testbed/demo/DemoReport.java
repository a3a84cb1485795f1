package dev.infertrace.testbed.demo;

import dev.infertrace.core.schema.DcgmAttributes;
import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.core.schema.RouteAttributes;
import dev.infertrace.core.schema.SpanNames;
import dev.infertrace.core.schema.VllmAttributes;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The demo's closing report: per-phase latency summary and waterfalls of the slowest traces. */
final class DemoReport {
  private static final int SERVER = 2;
  private static final int CLIENT = 3;
  private static final int BAR = 48;

  private DemoReport() {}

  static void print(
      List<TraceFile.Span> spans, PrintWriter out, @javax.annotation.Nullable java.net.URI jaeger) {
    Map<String, List<TraceFile.Span>> traces = new HashMap<>();
    for (TraceFile.Span s : spans) {
      traces.computeIfAbsent(s.traceId(), k -> new ArrayList<>()).add(s);
    }
    List<TraceFile.Span> roots =
        spans.stream()
            .filter(s -> s.service().equals("infertrace-ingress") && s.kind() == SERVER)
            .filter(s -> s.name().startsWith("chat"))
            .toList();
    List<TraceFile.Span> workers =
        spans.stream()
            .filter(s -> s.service().startsWith("infertrace-worker") && s.kind() == SERVER)
            .toList();
    out.printf("%n%d traces, %d spans%n%n", roots.size(), spans.size());
    out.printf("%-44s %9s %9s %9s %9s%n", "phase (seconds)", "p50", "p90", "p99", "max");
    row(
        out,
        "ingress: time to first token",
        roots,
        s -> s.number(LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN));
    row(
        out,
        "ingress: time per output token",
        roots,
        s -> s.number(LlmAttributes.LATENCY_TIME_PER_OUTPUT_TOKEN));
    row(
        out,
        "ingress: inter-token gap p99 (per request)",
        roots,
        s -> s.number(LlmAttributes.LATENCY_ITL_P99));
    row(out, "ingress: end to end", roots, TraceFile.Span::seconds);
    row(
        out,
        "worker: time to first token",
        workers,
        s -> s.number(LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN));
    row(out, "engine: llm.queue", named(spans, SpanNames.QUEUE), TraceFile.Span::seconds);
    row(out, "engine: llm.prefill", named(spans, SpanNames.PREFILL), TraceFile.Span::seconds);
    row(
        out,
        "llm.decode (engine or stream)",
        named(spans, SpanNames.DECODE),
        TraceFile.Span::seconds);
    row(
        out,
        "stream-measured: llm.first_token_wait",
        named(spans, SpanNames.FIRST_TOKEN_WAIT),
        TraceFile.Span::seconds);

    List<TraceFile.Span> slowest =
        roots.stream()
            .sorted(Comparator.comparingDouble(TraceFile.Span::seconds).reversed())
            .limit(3)
            .toList();
    int n = 1;
    for (TraceFile.Span root : slowest) {
      out.printf("%nslowest #%d — trace %s, %.3f s%n", n++, root.traceId(), root.seconds());
      if (jaeger != null) {
        out.printf("  %s/trace/%s%n", jaeger.toString().replaceAll("/+$", ""), root.traceId());
      }
      waterfall(out, root, traces.get(root.traceId()));
    }
    out.flush();
  }

  private static List<TraceFile.Span> named(List<TraceFile.Span> spans, String name) {
    return spans.stream().filter(s -> s.name().equals(name)).toList();
  }

  private static void row(
      PrintWriter out,
      String label,
      List<TraceFile.Span> spans,
      ToDoubleFunction<TraceFile.Span> f) {
    double[] v = spans.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
    if (v.length == 0) {
      out.printf("%-44s %9s%n", label, "-");
      return;
    }
    out.printf(
        Locale.ROOT,
        "%-44s %9.3f %9.3f %9.3f %9.3f%n",
        label,
        pct(v, 0.5),
        pct(v, 0.9),
        pct(v, 0.99),
        v[v.length - 1]);
  }

  private static double pct(double[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static void waterfall(PrintWriter out, TraceFile.Span root, List<TraceFile.Span> trace) {
    Map<String, List<TraceFile.Span>> children = new HashMap<>();
    for (TraceFile.Span s : trace) {
      children.computeIfAbsent(s.parentSpanId(), k -> new ArrayList<>()).add(s);
    }
    walk(
        out,
        root,
        children,
        root.startNanos(),
        Math.max(1, root.endNanos() - root.startNanos()),
        0);
  }

  private static void walk(
      PrintWriter out,
      TraceFile.Span s,
      Map<String, List<TraceFile.Span>> children,
      long t0,
      long total,
      int depth) {
    int from = (int) Math.round((double) (s.startNanos() - t0) / total * BAR);
    int to = (int) Math.round((double) (s.endNanos() - t0) / total * BAR);
    from = Math.max(0, Math.min(BAR, from));
    to = Math.max(from + 1, Math.min(BAR, to));
    String bar = " ".repeat(from) + "█".repeat(to - from) + " ".repeat(BAR - to);
    String label =
        "  ".repeat(depth) + s.name() + " [" + s.service().replace("infertrace-", "") + "]";
    out.printf(
        Locale.ROOT, "  %-46s |%s| %8.3fs %s%n", truncate(label, 46), bar, s.seconds(), details(s));
    for (TraceFile.Event e : s.events()) {
      if (e.name().equals(SpanNames.ROUTE_CANDIDATE_EVENT)) {
        out.printf(Locale.ROOT, "  %-46s  %s%n", "", candidate(e));
      }
    }
    List<TraceFile.Span> kids = children.getOrDefault(s.spanId(), List.of());
    kids.stream()
        .sorted(Comparator.comparingLong(TraceFile.Span::startNanos))
        .forEach(k -> walk(out, k, children, t0, total, depth + 1));
  }

  /** One line per endpoint the EPP could have picked, with its state at the decision. */
  private static String candidate(TraceFile.Event e) {
    StringBuilder b = new StringBuilder(e.flag(RouteAttributes.CHOSEN) ? "▶ " : "  ");
    b.append(e.text(RouteAttributes.CANDIDATE_NAME)).append(' ');
    double score = e.number(RouteAttributes.SCORE);
    if (!Double.isNaN(score)) {
      b.append(String.format(Locale.ROOT, "score=%.2f ", score));
    }
    double waiting = e.number(VllmAttributes.NUM_REQUESTS_WAITING);
    if (!Double.isNaN(waiting)) {
      b.append(
          String.format(
              Locale.ROOT,
              "queue=%.0f running=%.0f kv=%.1f%% ",
              waiting,
              e.number(VllmAttributes.NUM_REQUESTS_RUNNING),
              100 * e.number(VllmAttributes.KV_CACHE_USAGE_PERC)));
    }
    double gpu = e.number(DcgmAttributes.GPU_UTIL);
    if (!Double.isNaN(gpu)) {
      b.append(String.format(Locale.ROOT, "gpu_util=%.0f%%", 100 * gpu));
    }
    return b.toString().strip();
  }

  private static String details(TraceFile.Span s) {
    StringBuilder b = new StringBuilder();
    String outcome = s.text(LlmAttributes.ROUTE_OUTCOME);
    if (outcome != null && s.name().equals(SpanNames.ROUTE)) {
      b.append(
          String.format(
              Locale.ROOT,
              "%s in %.1fms → %s ",
              outcome,
              1000 * s.number(RouteAttributes.DECISION_TIME),
              s.text(LlmAttributes.ROUTE_ENDPOINT)));
    }
    double ttft = s.number(LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN);
    if (!Double.isNaN(ttft)) {
      b.append(String.format(Locale.ROOT, "ttft=%.3fs ", ttft));
    }
    double out = s.number(LlmAttributes.USAGE_OUTPUT_TOKENS);
    if (!Double.isNaN(out)) {
      b.append(String.format(Locale.ROOT, "tokens=%.0f ", out));
    }
    double waiting = s.number(VllmAttributes.NUM_REQUESTS_WAITING);
    if (!Double.isNaN(waiting)) {
      b.append(
          String.format(
              Locale.ROOT,
              "queue=%.0f kv=%.1f%% ",
              waiting,
              100 * s.number(VllmAttributes.KV_CACHE_USAGE_PERC)));
    }
    double clock = s.number(DcgmAttributes.SM_CLOCK);
    if (!Double.isNaN(clock)) {
      double limit = s.number(DcgmAttributes.SM_CLOCK_LIMIT);
      b.append(
          String.format(
              Locale.ROOT,
              Double.isNaN(limit) ? "sm_clock=%.0fMHz " : "sm_clock=%.0f/%.0fMHz ",
              clock,
              limit));
      // Why the clocks were held down, when it was more than idling.
      List<String> reasons = s.texts(DcgmAttributes.CLOCKS_EVENT_REASONS);
      reasons.removeIf(r -> r.equals("gpu_idle") || r.equals("display_clock_setting"));
      if (!reasons.isEmpty()) {
        b.append("(").append(String.join(",", reasons)).append(") ");
      }
      b.append(
          String.format(
              Locale.ROOT,
              "gpu_util=%.0f%% temp=%.0fC ",
              100 * s.number(DcgmAttributes.GPU_UTIL),
              s.number(DcgmAttributes.GPU_TEMP)));
    }
    double xid = s.number(DcgmAttributes.XID_ERRORS);
    if (!Double.isNaN(xid)) {
      b.append(String.format(Locale.ROOT, "XID %.0f ", xid));
    }
    String upstream = s.text(LlmAttributes.UPSTREAM);
    if (upstream != null) {
      b.append("→ ").append(upstream);
    }
    return b.toString().strip();
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
