package dev.infertrace.explain.html;

import dev.infertrace.explain.attribution.Attribution;
import dev.infertrace.explain.attribution.Segment;
import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.verdict.Explainer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One request's trace as a self-contained HTML page (no script, no network: inline CSS and SVG
 * drawn here): the verdict and its evidence, the attribution segments as one bar coloured by
 * component, the waterfall of every span across ingress, EPP, worker and engine, and the engine and
 * GPU state each span carries. Every drawn figure is also in a {@code data-} attribute, so a test
 * (or a script) can read the numbers the page shows.
 */
public final class TracePage {
  private TracePage() {}

  /** Width of the drawing area of the bars, SVG units. */
  private static final int WIDTH = 900;

  private static final int LABEL = 330;
  private static final int ROW = 18;

  /** The colour of each component a segment belongs to. */
  private static final Map<String, String> COLOURS = new LinkedHashMap<>();

  static {
    COLOURS.put("client", "#9c9c9c");
    COLOURS.put("ingress", "#4e79a7");
    COLOURS.put("epp", "#f28e2b");
    COLOURS.put("network", "#bab0ac");
    COLOURS.put("worker", "#59a14f");
    COLOURS.put("engine", "#b07aa1");
  }

  /** The engine's phases in shades of its colour, so that queue, prefill and decode stand apart. */
  private static final Map<String, String> ENGINE_SHADES =
      Map.of("queue", "#d4b9da", "prefill", "#c994c7", "decode", "#b07aa1");

  private static String colour(String segment) {
    String component = component(segment);
    return component.equals("engine")
        ? ENGINE_SHADES.getOrDefault(segment, "#8e5c85")
        : COLOURS.get(component);
  }

  /** The component a segment's time belongs to (see {@link Segment}). */
  public static String component(String segment) {
    if (segment.startsWith("client.")) {
      return "client";
    }
    if (segment.startsWith("route")) {
      return "epp";
    }
    if (segment.startsWith("network.") || segment.startsWith("unobserved(")) {
      return "network";
    }
    if (segment.equals(Segment.UPSTREAM_CONNECT)) {
      return "ingress";
    }
    if (segment.startsWith("worker.") || segment.equals(Segment.RELAY)) {
      return "worker";
    }
    return "engine";
  }

  /** The page of {@code explained}, whose spans are {@code trace}'s. */
  public static String render(Explainer.Explained explained, Trace trace) {
    Attribution a = explained.attribution();
    StringBuilder b = new StringBuilder(16_384);
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>trace ")
        .append(esc(a.traceId()))
        .append(" — infertrace explain</title><style>")
        .append(CSS)
        .append("</style></head><body>\n");
    b.append("<h1>trace <code>").append(esc(a.traceId())).append("</code></h1>\n");
    b.append(
        String.format(
            Locale.ROOT,
            "<p id=\"summary\" data-ms=\"%s\" data-typical-ms=\"%s\">%.1f ms (%.1f ms typical for"
                + " its shape; %.1f ms lost)</p>\n",
            num(a.seconds() * 1000),
            num(explained.typicalSeconds() * 1000),
            a.seconds() * 1000,
            explained.typicalSeconds() * 1000,
            explained.lost() * 1000));
    verdict(b, explained);
    segments(b, a);
    List<Row> rows = rows(trace);
    waterfall(b, trace, rows);
    state(b, rows);
    if (!a.notes().isEmpty()) {
      b.append("<h2>Notes</h2><ul id=\"notes\">");
      a.notes().forEach(n -> b.append("<li>").append(esc(n)).append("</li>"));
      b.append("</ul>\n");
    }
    b.append("<p class=\"foot\">Written by <code>infertrace explain --html</code>.</p>\n")
        .append("</body></html>\n");
    return b.toString();
  }

  private static void verdict(StringBuilder b, Explainer.Explained e) {
    b.append("<h2>Verdict</h2>\n<div id=\"verdict\" data-cause=\"")
        .append(esc(e.verdict().cause()))
        .append("\" data-component=\"")
        .append(esc(e.verdict().component()))
        .append("\" data-phase=\"")
        .append(esc(e.verdict().phase()))
        .append("\"><b>")
        .append(esc(e.verdict().cause()))
        .append("</b> in ")
        .append(esc(e.verdict().component()))
        .append(", ")
        .append(esc(e.verdict().phase()))
        .append("<div class=\"evidence\">")
        .append(esc(e.verdict().evidence()))
        .append("</div></div>\n");
  }

  private static void segments(StringBuilder b, Attribution a) {
    b.append("<h2>Where the time went</h2>\n");
    double total = Math.max(a.seconds(), a.total());
    b.append(
        String.format(
            Locale.ROOT,
            "<svg id=\"segments\" width=\"%d\" height=\"30\" viewBox=\"0 0 %d 30\""
                + " data-total-ms=\"%s\">",
            WIDTH,
            WIDTH,
            num(a.seconds() * 1000)));
    double x = 0;
    for (Segment s : a.segments()) {
      double w = total <= 0 ? 0 : WIDTH * s.seconds() / total;
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%.2f\" y=\"2\" width=\"%.2f\" height=\"26\" fill=\"%s\""
                  + " data-segment=\"%s\" data-ms=\"%s\"><title>%s %.3f ms</title></rect>",
              x,
              w,
              colour(s.name()),
              esc(s.name()),
              num(s.seconds() * 1000),
              esc(s.name()),
              s.seconds() * 1000));
      if (w > 8 * s.name().length()) {
        b.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%.2f\" y=\"19\" class=\"in\">%s</text>",
                x + 4,
                esc(s.name())));
      }
      x += w;
    }
    b.append("</svg>\n<div class=\"legend\">");
    COLOURS.forEach(
        (c, colour) ->
            b.append("<span><i style=\"background:")
                .append(colour)
                .append("\"></i>")
                .append(c)
                .append("</span>"));
    b.append("</div>\n<table id=\"segment-table\"><tr><th>segment</th><th>component</th>")
        .append("<th>ms</th><th>%</th></tr>\n");
    for (Segment s : a.segments()) {
      b.append(
          String.format(
              Locale.ROOT,
              "<tr data-segment=\"%s\"><td class=\"l\">%s</td><td class=\"l\">%s</td>"
                  + "<td data-ms=\"%s\">%.3f</td><td>%.1f</td></tr>\n",
              esc(s.name()),
              esc(s.name()),
              component(s.name()),
              num(s.seconds() * 1000),
              s.seconds() * 1000,
              a.seconds() <= 0 ? 0 : 100 * s.seconds() / a.seconds()));
    }
    b.append("</table>\n");
  }

  private static void waterfall(StringBuilder b, Trace trace, List<Row> rows) {
    long t0 = trace.spans().stream().mapToLong(SpanRecord::startNanos).min().orElse(0);
    long t1 = trace.spans().stream().mapToLong(SpanRecord::endNanos).max().orElse(t0);
    double span = Math.max(1, t1 - t0);
    Map<String, String> serviceColour = new HashMap<>();
    int height = ROW * rows.size() + 24;
    b.append("<h2>Waterfall</h2>\n")
        .append(
            String.format(
                Locale.ROOT,
                "<svg id=\"waterfall\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                    + " data-spans=\"%d\" data-total-ms=\"%s\">",
                LABEL + WIDTH,
                height,
                LABEL + WIDTH,
                height,
                rows.size(),
                num((t1 - t0) / 1e6)));
    for (int tick = 0; tick <= 4; tick++) {
      double x = LABEL + WIDTH * tick / 4.0;
      b.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>"
                  + "<text x=\"%.1f\" y=\"%d\" class=\"axis\">%.1f ms</text>",
              x,
              x,
              height - 14,
              Math.min(x, LABEL + WIDTH - 40.0),
              height - 2,
              (t1 - t0) / 1e6 * tick / 4));
    }
    for (int i = 0; i < rows.size(); i++) {
      SpanRecord s = rows.get(i).span;
      int y = i * ROW;
      double x = LABEL + WIDTH * (s.startNanos() - t0) / span;
      double w = Math.max(1, WIDTH * (s.endNanos() - s.startNanos()) / span);
      String colour =
          serviceColour.computeIfAbsent(
              s.service(), k -> PALETTE[serviceColour.size() % PALETTE.length]);
      b.append(
          String.format(
              Locale.ROOT,
              "<g data-span-id=\"%s\" data-start-ms=\"%s\" data-duration-ms=\"%s\">"
                  + "<text x=\"%d\" y=\"%d\" class=\"name\">%s</text>"
                  + "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\">"
                  + "<title>%s · %s %.3f ms</title></rect>",
              esc(s.spanId()),
              num((s.startNanos() - t0) / 1e6),
              num((s.endNanos() - s.startNanos()) / 1e6),
              4 + 10 * Math.min(rows.get(i).depth, 8),
              y + 13,
              esc(fit(s.service() + " · " + s.name(), rows.get(i).depth)),
              x,
              y + 3,
              w,
              ROW - 5,
              colour,
              esc(s.service()),
              esc(s.name()),
              (s.endNanos() - s.startNanos()) / 1e6));
      for (SpanRecord.Event ev : s.events()) {
        double ex = LABEL + WIDTH * (ev.timeNanos() - t0) / span;
        b.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" class=\"event\""
                    + " data-event=\"%s\"><title>%s at %.3f ms</title></line>",
                ex,
                y + 1,
                ex,
                y + ROW - 1,
                esc(ev.name()),
                esc(ev.name()),
                (ev.timeNanos() - t0) / 1e6));
      }
      b.append("</g>");
    }
    b.append("</svg>\n");
  }

  /** The engine state (vllm.*) and GPU state (dcgm.*) of each span that carries them. */
  private static void state(StringBuilder b, List<Row> rows) {
    b.append("<h2>Engine and GPU state per phase</h2>\n<table id=\"state\">")
        .append("<tr><th>span</th><th>engine (vllm.*)</th><th>GPU (dcgm.*)</th></tr>\n");
    for (Row r : rows) {
      SpanRecord s = r.span;
      Map<String, Object> attrs = r.sortedAttributes;
      String vllm = attrs(attrs, "vllm.");
      String dcgm = attrs(attrs, "dcgm.");
      if (vllm.isEmpty() && dcgm.isEmpty()) {
        continue;
      }
      b.append("<tr data-span-id=\"")
          .append(esc(s.spanId()))
          .append("\"><td class=\"l\">")
          .append(esc(s.service()))
          .append(" · ")
          .append(esc(s.name()))
          .append("</td><td class=\"l\">")
          .append(vllm)
          .append("</td><td class=\"l\">")
          .append(dcgm)
          .append("</td></tr>\n");
    }
    b.append("</table>\n<h2>Spans</h2>\n<div id=\"spans\">");
    for (Row r : rows) {
      SpanRecord s = r.span;
      b.append(
          String.format(
              Locale.ROOT,
              "<details data-span-id=\"%s\"><summary>%s · %s — %.3f ms</summary>%s</details>\n",
              esc(s.spanId()),
              esc(s.service()),
              esc(s.name()),
              (s.endNanos() - s.startNanos()) / 1e6,
              attrs(r.sortedAttributes, "")));
    }
    b.append("</div>\n");
  }

  private static String attrs(Map<String, Object> attrs, String prefix) {
    StringBuilder b = new StringBuilder();
    attrs.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            b.append("<div data-key=\"")
                .append(esc(k))
                .append("\" data-value=\"")
                .append(esc(String.valueOf(v)))
                .append("\">")
                .append(esc(k))
                .append(" = ")
                .append(esc(shown(v)))
                .append("</div>");
          }
        });
    return b.toString();
  }

  /** A value as read by people: doubles to 6 significant digits (data-value keeps it whole). */
  private static String shown(Object v) {
    if (v instanceof Double d) {
      String t = String.format(Locale.ROOT, "%.6g", d);
      if (t.contains("e")) {
        return t;
      }
      return t.contains(".") ? t.replaceAll("0+$", "").replaceAll("\\.$", "") : t;
    }
    return String.valueOf(v);
  }

  /** A waterfall label that fits its column at its depth, cut with an ellipsis. */
  private static String fit(String label, int depth) {
    int max = (LABEL - 8 - 10 * Math.min(depth, 8)) / 6;
    return label.length() <= max ? label : label.substring(0, Math.max(1, max - 1)) + "…";
  }

  /** A span in the page's order, with its attributes sorted by key (as both tables list them). */
  private record Row(SpanRecord span, int depth, Map<String, Object> sortedAttributes) {
    Row(SpanRecord span, int depth) {
      this(span, depth, new TreeMap<>(span.attributes()));
    }
  }

  /** The spans in tree order: each root, then its children by start time, depth first. */
  private static List<Row> rows(Trace trace) {
    Set<String> ids = new HashSet<>();
    trace.spans().forEach(s -> ids.add(s.spanId()));
    Map<String, List<SpanRecord>> children = new HashMap<>();
    List<SpanRecord> roots = new ArrayList<>();
    for (SpanRecord s : trace.spans()) {
      if (s.parentSpanId().isEmpty() || !ids.contains(s.parentSpanId())) {
        roots.add(s);
      } else {
        children.computeIfAbsent(s.parentSpanId(), k -> new ArrayList<>()).add(s);
      }
    }
    Comparator<SpanRecord> byStart = Comparator.comparingLong(SpanRecord::startNanos);
    roots.sort(byStart);
    children.values().forEach(l -> l.sort(byStart));
    List<Row> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (SpanRecord root : roots) {
      walk(root, 0, children, out, seen);
    }
    return out;
  }

  private static void walk(
      SpanRecord s,
      int depth,
      Map<String, List<SpanRecord>> children,
      List<Row> out,
      Set<String> seen) {
    if (!seen.add(s.spanId())) {
      return; // a span id twice, or a cycle of parents: each span is drawn once
    }
    out.add(new Row(s, depth));
    for (SpanRecord c : children.getOrDefault(s.spanId(), List.of())) {
      walk(c, depth + 1, children, out, seen);
    }
  }

  /** A number as data attributes hold it: plain decimal, enough digits to compare. */
  static String num(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }

  /** Text for HTML content and attribute values. */
  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static final String[] PALETTE = {
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#76b7b2", "#edc948", "#ff9da7"
  };

  static final String CSS =
      "body{font:14px system-ui,sans-serif;margin:24px;color:#222}"
          + "h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
          + "table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;"
          + "text-align:right;vertical-align:top}td.l,th{text-align:left}"
          + "#verdict{padding:8px 12px;background:#fff4e5;border-left:4px solid #f28e2b}"
          + ".evidence{font-family:monospace;margin-top:4px}"
          + ".legend span{margin-right:14px}.legend i{display:inline-block;width:10px;"
          + "height:10px;margin-right:4px}"
          + "svg text{font:11px system-ui,sans-serif}.axis{fill:#666}"
          + ".grid{stroke:#ddd}.event{stroke:#000;stroke-width:1}"
          + "#state div,#spans div{font-family:monospace;font-size:12px}"
          + "#spans div{margin-left:18px}.in{fill:#fff;font-weight:600}"
          + ".foot{color:#888;margin-top:32px}";
}
