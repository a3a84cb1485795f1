package dev.infertrace.explain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infertrace.explain.attribution.Attribution;
import dev.infertrace.explain.attribution.Segment;
import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.trace.TraceFile;
import dev.infertrace.explain.verdict.Explainer;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace explain}: where each request's time went, from its trace. */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Splits each request's time (its ingress SERVER span) into named segments that add up to it:",
      "client.request_read, route, upstream.connect, network.to_worker, worker.*, queue, prefill,",
      "decode, engine.other, route.response, relay, client.slow_read, network.from_worker, and",
      "unobserved(X→Y) where a hop had no sidecar. Reads the trace file the proxies write",
      "(--trace-file, OTLP JSON lines). Without --trace: every request, and the time by segment",
      "over all of them."
    })
public final class ExplainMain implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--file",
      paramLabel = "PATH",
      required = true,
      description =
          "OTLP JSON lines, as the proxies' --trace-file and the collector's file exporter"
              + " write them.")
  Path file;

  @Option(
      names = "--trace",
      paramLabel = "TRACE_ID",
      description = "Explain this one request (32 hex digits).")
  String traceId;

  @Option(names = "--json", description = "One JSON object on stdout instead of text.")
  boolean json;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line of {@code explain}. */
  public static CommandLine commandLine() {
    return new CommandLine(new ExplainMain());
  }

  @Override
  public Integer call() throws Exception {
    if (traceId != null && !traceId.matches("[0-9a-fA-F]{32}")) {
      throw new ParameterException(
          spec.commandLine(), "--trace must be 32 hex digits, not '" + traceId + "'");
    }
    TraceFile.Contents contents;
    try {
      contents = TraceFile.read(file);
    } catch (NoSuchFileException e) {
      throw new ParameterException(spec.commandLine(), "--file " + file + ": no such file");
    }
    // The whole window is read even for one trace: its peers are the baseline of "typical".
    List<Explainer.Explained> all = new ArrayList<>();
    for (Explainer.Explained e : Explainer.explain(Trace.group(contents.spans()))) {
      if (traceId == null || e.traceId().equalsIgnoreCase(traceId)) {
        all.add(e);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (traceId != null && all.isEmpty()) {
      spec.commandLine()
          .getErr()
          .printf("explain: no request with trace id %s in %s%n", traceId, file);
      return 1;
    }
    if (json) {
      out.println(json(all, contents.badLines()));
    } else {
      text(out, all, contents.badLines());
    }
    out.flush();
    return 0;
  }

  private void text(PrintWriter out, List<Explainer.Explained> explained, int badLines) {
    if (badLines > 0) {
      out.printf("explain: %d line(s) of %s could not be read and were skipped%n", badLines, file);
    }
    List<Attribution> all = explained.stream().map(Explainer.Explained::attribution).toList();
    if (traceId != null || all.size() == 1) {
      for (Explainer.Explained e : explained) {
        Attribution a = e.attribution();
        out.printf(
            Locale.ROOT,
            "trace %s — %.3f s (%.3f s typical for its shape)%n  verdict: %s%n",
            a.traceId(),
            a.seconds(),
            e.typicalSeconds(),
            e.verdict());
        for (Segment s : a.segments()) {
          out.printf(
              Locale.ROOT,
              "  %-28s %9.1f ms  %5.1f %%%n",
              s.name(),
              s.seconds() * 1000,
              100 * s.seconds() / a.seconds());
        }
        a.notes().forEach(n -> out.println("  note: " + n));
      }
      return;
    }
    Map<String, Double> bySegment = new LinkedHashMap<>();
    double total = 0;
    for (Attribution a : all) {
      total += a.seconds();
      for (Segment s : a.segments()) {
        bySegment.merge(s.name(), s.seconds(), Double::sum);
      }
    }
    long noted = all.stream().filter(a -> !a.notes().isEmpty()).count();
    out.printf(
        Locale.ROOT, "%d requests, %.3f s in all; where the time went:%n", all.size(), total);
    final double sum = total;
    bySegment.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(
            e ->
                out.printf(
                    Locale.ROOT,
                    "  %-28s %10.3f s  %5.1f %%%n",
                    e.getKey(),
                    e.getValue(),
                    sum == 0 ? 0 : 100 * e.getValue() / sum));
    if (noted > 0) {
      out.printf("%d request(s) with notes (see --trace ID)%n", noted);
    }
    Report.verdicts(out, explained);
  }

  private static String json(List<Explainer.Explained> all, int badLines) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("badLines", badLines);
    ArrayNode requests = root.putArray("requests");
    for (Explainer.Explained e : all) {
      Attribution a = e.attribution();
      ObjectNode r = requests.addObject();
      r.put("traceId", a.traceId());
      r.put("seconds", a.seconds());
      r.put("typicalSeconds", e.typicalSeconds());
      r.putObject("verdict")
          .put("component", e.verdict().component())
          .put("phase", e.verdict().phase())
          .put("cause", e.verdict().cause())
          .put("evidence", e.verdict().evidence());
      ArrayNode segs = r.putArray("segments");
      for (Segment s : a.segments()) {
        segs.addObject().put("name", s.name()).put("seconds", s.seconds());
      }
      ArrayNode notes = r.putArray("notes");
      a.notes().forEach(notes::add);
    }
    return root.toString();
  }
}
