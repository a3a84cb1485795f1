package dev.infertrace.explain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infertrace.explain.attribution.Attribution;
import dev.infertrace.explain.attribution.Segment;
import dev.infertrace.explain.html.TracePages;
import dev.infertrace.explain.trace.JaegerSource;
import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.TempoSource;
import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.trace.TraceFileSource;
import dev.infertrace.explain.trace.TraceSource;
import dev.infertrace.explain.trace.TraceSourceException;
import dev.infertrace.explain.verdict.Explainer;
import dev.infertrace.explain.verdict.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
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
      "Splits each request's time (its ingress SERVER span) into named segments that add up"
          + " to it: client.request_read, route, upstream.connect, network.to_worker, worker.*,"
          + " queue, prefill, decode, engine.other, route.response, relay, client.slow_read,"
          + " network.from_worker, and unobserved(X→Y) where a hop had no sidecar. Reads the trace"
          + " file the proxies write (--file: their --trace-file, OTLP JSON lines), Jaeger v2"
          + " (--jaeger, api/v3) or Tempo (--tempo). With --trace: one request. With a window"
          + " (--since, or --from/--to): the requests of --service that started in it; a file"
          + " without either: all of them. Then the time by segment over all of them."
    })
public final class ExplainMain implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  /** Where the traces come from: exactly one. */
  static final class From {
    @Option(
        names = "--file",
        paramLabel = "PATH",
        required = true,
        description =
            "OTLP JSON lines, as the proxies' --trace-file and the collector's file exporter"
                + " write them.")
    Path file;

    @Option(
        names = "--jaeger",
        paramLabel = "URL",
        required = true,
        description = "Jaeger v2's query service (api/v3), e.g. http://localhost:16686.")
    String jaeger;

    @Option(
        names = "--tempo",
        paramLabel = "URL",
        required = true,
        description = "Tempo's HTTP API, e.g. http://localhost:3200.")
    String tempo;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  From from;

  @Option(
      names = "--trace",
      paramLabel = "TRACE_ID",
      description = "Explain this one request (32 hex digits).")
  String traceId;

  @Option(
      names = "--since",
      paramLabel = "DURATION",
      description = "The requests of the last DURATION (30s, 10m, 2h, 1d, or ISO PT10M).")
  String since;

  @Option(
      names = "--from",
      paramLabel = "TIME",
      description = "The requests that started from TIME (ISO 8601, e.g. 2026-12-02T12:00:00Z)...")
  String windowFrom;

  @Option(names = "--to", paramLabel = "TIME", description = "...to TIME (default: now).")
  String windowTo;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "1000",
      description = "At most N requests of a window (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(
      names = "--service",
      paramLabel = "NAME",
      defaultValue = TraceSource.DEFAULT_SERVICE,
      description = "The service whose requests a window finds (default: ${DEFAULT-VALUE}).")
  String service;

  @Option(names = "--json", description = "One JSON object on stdout instead of text.")
  boolean json;

  @Option(
      names = "--html",
      paramLabel = "DIR",
      description =
          "Also write a self-contained page per trace there (waterfall, segments by component,"
              + " verdict and evidence, engine and GPU state per phase) and index.html: the"
              + " --trace request, or a window's slow and failed ones, most time lost first.")
  Path html;

  @Option(
      names = "--html-limit",
      paramLabel = "N",
      defaultValue = "100",
      description = "At most N pages for a window (default: ${DEFAULT-VALUE}).")
  int htmlLimit;

  private int badLines;

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
      throw error("--trace must be 32 hex digits, not '" + traceId + "'");
    }
    if (limit < 1) {
      throw error("--limit must be at least 1, not " + limit);
    }
    if (htmlLimit < 1) {
      throw error("--html-limit must be at least 1, not " + htmlLimit);
    }
    if (service.isBlank()) {
      throw error("--service must not be empty");
    }
    Optional<Instant[]> window = window(Instant.now());
    if (traceId != null && window.isPresent()) {
      throw error("--trace and a window (--since, --from/--to) exclude each other");
    }
    TraceSource source = source();
    if (from.file == null && traceId == null && window.isEmpty()) {
      throw error(
          sourceFlag()
              + " needs --trace ID, or a window: --since DURATION, or --from TIME [--to TIME]");
    }
    List<Trace> traces;
    try {
      if (traceId != null) {
        List<SpanRecord> spans = source.trace(traceId.toLowerCase(Locale.ROOT));
        // One request is judged against its peers: the requests around it are read too.
        traces = spans.isEmpty() ? List.of() : withPeers(source, spans);
      } else if (window.isPresent()) {
        traces = source.traces(window.get()[0], window.get()[1], limit);
      } else {
        traces = Trace.group(((TraceFileSource) source).spans());
      }
    } catch (TraceSourceException e) {
      throw error(sourceFlag() + ": " + e.getMessage());
    }
    List<Explainer.Explained> all = new ArrayList<>();
    for (Explainer.Explained e : Explainer.explain(traces)) {
      if (traceId == null || e.traceId().equalsIgnoreCase(traceId)) {
        all.add(e);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (traceId != null && all.isEmpty()) {
      spec.commandLine()
          .getErr()
          .printf(
              "explain: no request with trace id %s in %s%n",
              traceId,
              traces.isEmpty() ? source.describe() : source.describe() + " (no ingress span)");
      return 1;
    }
    if (html != null) {
      List<Explainer.Explained> paged =
          traceId != null
              ? all
              : all.stream()
                  .filter(e -> !e.verdict().cause().equals(Verdict.HEALTHY))
                  .sorted(Comparator.comparingDouble(Explainer.Explained::lost).reversed())
                  .limit(htmlLimit)
                  .toList();
      Map<String, String> files;
      try {
        files = TracePages.write(html, paged, traces);
      } catch (IOException e) {
        spec.commandLine()
            .getErr()
            .printf("explain: --html %s: cannot write the pages there: %s%n", html, e);
        return 1;
      }
      spec.commandLine()
          .getErr()
          .printf("explain: wrote %d trace page(s) and index.html to %s%n", files.size(), html);
    }
    if (json) {
      out.println(json(all, badLines));
    } else {
      text(out, all, badLines, source);
    }
    out.flush();
    return 0;
  }

  /** How far around one request its peers are looked for. */
  private static final Duration PEERS = Duration.ofMinutes(5);

  /** The trace with the requests of the window around it, its peers. */
  private List<Trace> withPeers(TraceSource source, List<SpanRecord> spans)
      throws TraceSourceException {
    if (source instanceof TraceFileSource file) {
      return Trace.group(file.spans());
    }
    long start = spans.stream().mapToLong(SpanRecord::startNanos).min().orElse(0);
    Instant at = Instant.ofEpochSecond(0, start);
    List<Trace> traces = new ArrayList<>();
    try {
      traces.addAll(source.traces(at.minus(PEERS), at.plus(PEERS), limit));
    } catch (TraceSourceException e) {
      spec.commandLine()
          .getErr()
          .printf(
              "explain: the requests around it could not be read, so it is judged alone (every"
                  + " segment typical): %s%n",
              e.getMessage());
    }
    if (traces.stream().noneMatch(t -> t.traceId().equalsIgnoreCase(traceId))) {
      traces.addAll(Trace.group(spans));
    }
    return traces;
  }

  private TraceSource source() throws IOException {
    if (from.file != null) {
      try {
        TraceFileSource f = TraceFileSource.read(from.file, service);
        badLines = f.badLines();
        return f;
      } catch (NoSuchFileException e) {
        throw error("--file " + from.file + ": no such file");
      }
    }
    URI base = url(sourceFlag(), from.jaeger != null ? from.jaeger : from.tempo);
    return from.jaeger != null
        ? new JaegerSource(base, service, JaegerSource.DEFAULT_TIMEOUT)
        : new TempoSource(base, service, JaegerSource.DEFAULT_TIMEOUT);
  }

  private String sourceFlag() {
    return from.file != null ? "--file" : from.jaeger != null ? "--jaeger" : "--tempo";
  }

  private URI url(String flag, String raw) {
    try {
      URI u = new URI(raw);
      if (("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
          && u.getHost() != null
          && u.getQuery() == null) {
        return u;
      }
    } catch (URISyntaxException e) {
      // said below
    }
    throw error(flag + " must be an http(s) URL such as http://localhost:16686, not '" + raw + "'");
  }

  /** [from, to] of --since or --from/--to; empty without them. */
  private Optional<Instant[]> window(Instant now) {
    if (since != null && (windowFrom != null || windowTo != null)) {
      throw error("--since and --from/--to exclude each other");
    }
    if (since != null) {
      Duration d = duration(since);
      return Optional.of(new Instant[] {now.minus(d), now});
    }
    if (windowTo != null && windowFrom == null) {
      throw error("--to needs --from");
    }
    if (windowFrom == null) {
      return Optional.empty();
    }
    Instant a = instant("--from", windowFrom);
    Instant b = windowTo == null ? now : instant("--to", windowTo);
    if (!a.isBefore(b)) {
      throw error(
          "--from "
              + windowFrom
              + " must be before --to "
              + (windowTo == null ? "(now)" : windowTo));
    }
    return Optional.of(new Instant[] {a, b});
  }

  private Duration duration(String raw) {
    Matcher m = Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(raw.strip());
    Duration d = null;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d =
          switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          };
    } else {
      try {
        d = Duration.parse(raw.strip());
      } catch (DateTimeParseException e) {
        // said below
      }
    }
    if (d == null || d.isNegative() || d.isZero()) {
      throw error(
          "--since must be a positive duration such as 30s, 10m, 2h, 1d or PT10M, not '"
              + raw
              + "'");
    }
    return d;
  }

  private Instant instant(String flag, String raw) {
    try {
      return OffsetDateTime.parse(raw.strip()).toInstant();
    } catch (DateTimeParseException e) {
      throw error(
          flag
              + " must be an ISO 8601 time with its offset, such as 2026-12-02T12:00:00Z, not '"
              + raw
              + "'");
    }
  }

  private ParameterException error(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private void text(
      PrintWriter out, List<Explainer.Explained> explained, int badLines, TraceSource source) {
    if (badLines > 0) {
      out.printf(
          "explain: %d line(s) of %s could not be read and were skipped%n",
          badLines, source.describe());
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
