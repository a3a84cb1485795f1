package dev.infertrace.proxy.admin;

import dev.infertrace.core.schema.MetricNames;
import dev.infertrace.proxy.engine.EnginePhases;
import dev.infertrace.proxy.export.SpanQueue;
import dev.infertrace.proxy.failure.ProxyFailure;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import javax.annotation.Nullable;

/**
 * The proxy's own metrics, served on {@code --admin} as OpenMetrics with trace exemplars: latency
 * histograms by model and upstream (GenAI semantic-convention names), requests by status and finish
 * reason, goodput (requests that met their SLO), spans exported and dropped, proxy errors by kind.
 * Thread-safe.
 */
public final class ProxyMetrics {
  static final double[] TTFT = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
  };
  static final double[] TPOT = {
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5
  };
  static final double[] DURATION = {
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
  };

  private record Key(String model, String upstream) {
    String labels() {
      return "model=\""
          + OpenMetrics.escape(model)
          + "\",upstream=\""
          + OpenMetrics.escape(upstream)
          + "\"";
    }
  }

  private final Map<Key, ExemplarHistogram> ttft = new ConcurrentHashMap<>();
  private final Map<Key, ExemplarHistogram> tpot = new ConcurrentHashMap<>();
  private final Map<Key, ExemplarHistogram> itl = new ConcurrentHashMap<>();
  private final Map<Key, ExemplarHistogram> duration = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byStatus = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byFinish = new ConcurrentHashMap<>();
  private final LongAdder sloMet = new LongAdder();
  private final LongAdder sloMissed = new LongAdder();
  private final ProxyStats stats;
  private final Supplier<SpanQueue.Counts> spans;
  private final LabelValues labels;

  private volatile java.util.function.Supplier<Map<String, Map<String, Long>>> scrapeFailures =
      Map::of;

  /** Where the worker's failed scrapes are counted (endpoint → reason → count). */
  public void setScrapeFailures(
      java.util.function.Supplier<Map<String, Map<String, Long>>> source) {
    this.scrapeFailures = source;
  }

  @Nullable private volatile Supplier<EnginePhases.Counts> engineCounts;

  /**
   * Where the worker's engine-phase counters are read ({@code EnginePhases::counts}); until set, or
   * when it supplies null, {@code /metrics} has no engine families (the ingress has none).
   */
  public void setEngineCounts(@Nullable Supplier<EnginePhases.Counts> source) {
    this.engineCounts = source;
  }

  /**
   * @param spans the counts of the span queue (created, exported, dropped by reason, queued)
   */
  public ProxyMetrics(ProxyStats stats, Supplier<SpanQueue.Counts> spans) {
    this(stats, spans, new LabelValues(List.of()));
  }

  /**
   * @param labels bounds the {@code model} and {@code reason} label values
   */
  public ProxyMetrics(ProxyStats stats, Supplier<SpanQueue.Counts> spans, LabelValues labels) {
    this.stats = stats;
    this.spans = spans;
    this.labels = labels;
  }

  /** The bound on label values from clients and upstreams; feed it the served models. */
  public LabelValues labels() {
    return labels;
  }

  /**
   * One finished request. Latencies in seconds, NaN when they did not happen.
   *
   * @param sloMet whether it met its SLO, or null when it had none
   */
  public void record(
      @Nullable String model,
      String upstream,
      int status,
      Iterable<String> finishReasons,
      double ttftSeconds,
      double tpotSeconds,
      double itlMeanSeconds,
      double durationSeconds,
      @Nullable Boolean sloMet,
      @Nullable String traceId) {
    Key key = new Key(labels.model(model, status), upstream);
    observe(ttft, TTFT, key, ttftSeconds, traceId);
    observe(tpot, TPOT, key, tpotSeconds, traceId);
    observe(itl, TPOT, key, itlMeanSeconds, traceId);
    observe(duration, DURATION, key, durationSeconds, traceId);
    for (String reason : finishReasons) {
      byFinish.computeIfAbsent(LabelValues.finishReason(reason), k -> new LongAdder()).increment();
    }
    if (sloMet != null) {
      (sloMet ? this.sloMet : sloMissed).increment();
    }
    // Counted last: a reader that sees a request in infertrace_requests_total sees the rest of it
    // in a page it renders after that.
    byStatus.computeIfAbsent(statusLabel(status), k -> new LongAdder()).increment();
  }

  /** An upstream's status as a label: {@code none} without one, {@code other} outside 100–599. */
  private static String statusLabel(int status) {
    return status == 0
        ? "none"
        : status >= 100 && status <= 599 ? Integer.toString(status) : LabelValues.OTHER;
  }

  private static void observe(
      Map<Key, ExemplarHistogram> family, double[] bounds, Key key, double value, String traceId) {
    if (!Double.isNaN(value)) {
      family.computeIfAbsent(key, k -> new ExemplarHistogram(bounds)).observe(value, traceId);
    }
  }

  /** The OpenMetrics exposition, ending with {@code # EOF}. */
  public String render() {
    StringBuilder out = new StringBuilder(8192);
    histograms(
        out,
        MetricNames.TIME_TO_FIRST_TOKEN,
        "Time to the first token chunk, as the proxy saw it.",
        ttft);
    histograms(
        out, MetricNames.TIME_PER_OUTPUT_TOKEN, "Time per output token after the first.", tpot);
    histograms(
        out, MetricNames.INTER_TOKEN_LATENCY, "Mean gap between token chunks, per request.", itl);
    histograms(out, MetricNames.REQUEST_DURATION, "Request received to response end.", duration);
    counterFamily(out, MetricNames.REQUESTS, "Requests by HTTP status.", "status", byStatus);
    counterFamily(out, MetricNames.FINISH_REASONS, "Finish reasons seen.", "reason", byFinish);
    OpenMetrics.family(
        out,
        MetricNames.SLO,
        "counter",
        "",
        "Requests with an SLO, by whether they met it (met: goodput).");
    sample(out, MetricNames.SLO, "result", "met", sloMet.sum());
    sample(out, MetricNames.SLO, "result", "missed", sloMissed.sum());
    spans(out, spans.get());
    OpenMetrics.family(
        out,
        MetricNames.PROXY_ERRORS,
        "counter",
        "",
        "Requests the proxy failed or refused, by kind.");
    for (String kind : ProxyFailure.metricLabels()) {
      error(out, kind, stats.failures(kind));
    }
    error(out, ProxyFailure.CANCELLED_LABEL, stats.cancelled());
    OpenMetrics.family(
        out,
        MetricNames.SCRAPE_FAILURES,
        "counter",
        "",
        "Failed scrapes of vLLM and DCGM metrics, by endpoint and reason.");
    new TreeMap<>(scrapeFailures.get())
        .forEach(
            (endpoint, reasons) ->
                new TreeMap<>(reasons)
                    .forEach(
                        (reason, n) ->
                            out.append(MetricNames.SCRAPE_FAILURES)
                                .append("_total{endpoint=\"")
                                .append(OpenMetrics.escape(endpoint))
                                .append("\",reason=\"")
                                .append(OpenMetrics.escape(reason))
                                .append("\"} ")
                                .append(n)
                                .append('\n')));
    engineCounts(out);
    out.append("# EOF\n");
    return out.toString();
  }

  /**
   * The span families, the same on every role's page (the epp's too), so that one query covers all:
   * {@code created = exported + dropped + queued} (each dropped span under one reason).
   */
  public static void spans(StringBuilder out, SpanQueue.Counts c) {
    OpenMetrics.family(
        out,
        MetricNames.SPANS_CREATED,
        "counter",
        "",
        "Spans made or relayed by this process and handed to its export queue.");
    out.append(MetricNames.SPANS_CREATED).append("_total ").append(c.created()).append('\n');
    OpenMetrics.family(
        out,
        MetricNames.SPANS,
        "counter",
        "",
        "Spans out of the export queue: exported, or dropped by reason (queue_full, export_failed,"
            + " shutdown).");
    sample(out, MetricNames.SPANS, "outcome", "exported", c.exported());
    for (SpanQueue.Drop reason : SpanQueue.Drop.values()) {
      out.append(MetricNames.SPANS)
          .append("_total{outcome=\"dropped\",reason=\"")
          .append(reason.label())
          .append("\"} ")
          .append(c.dropped(reason))
          .append('\n');
    }
    OpenMetrics.family(
        out, MetricNames.SPANS_QUEUED, "gauge", "", "Spans in the export queue or being exported.");
    out.append(MetricNames.SPANS_QUEUED).append(' ').append(c.queued()).append('\n');
  }

  private void engineCounts(StringBuilder out) {
    EnginePhases.Counts c = engineCounts == null ? null : engineCounts.get();
    if (c == null) {
      return; // not a worker with --engine-otlp: no such family at all
    }
    OpenMetrics.family(
        out,
        MetricNames.ENGINE_PHASES,
        "counter",
        "",
        "Worker requests by where their phase spans came from: vLLM's span (engine), the stream"
            + " after the wait (stream), the stream because too many were waiting (overflow).");
    sample(out, MetricNames.ENGINE_PHASES, "source", "engine", c.matched());
    sample(out, MetricNames.ENGINE_PHASES, "source", "stream", c.fellBack());
    sample(out, MetricNames.ENGINE_PHASES, "source", "overflow", c.evicted());
    OpenMetrics.family(
        out,
        MetricNames.ENGINE_SPANS_RELAYED,
        "counter",
        "",
        "Spans received from vLLM and relayed to the worker's exporter.");
    out.append(MetricNames.ENGINE_SPANS_RELAYED).append("_total ").append(c.relayed()).append('\n');
  }

  private static void error(StringBuilder out, String kind, long value) {
    sample(out, MetricNames.PROXY_ERRORS, "kind", kind, value);
  }

  /** One counter sample with one label; {@code value} is a fixed word (not escaped). */
  private static void sample(
      StringBuilder out, String family, String label, String value, long count) {
    out.append(family)
        .append("_total{")
        .append(label)
        .append("=\"")
        .append(value)
        .append("\"} ")
        .append(count)
        .append('\n');
  }

  private static void histograms(
      StringBuilder out, String name, String help, Map<Key, ExemplarHistogram> family) {
    OpenMetrics.family(out, name, "histogram", "seconds", help);
    new TreeMap<String, ExemplarHistogram>(
            family.entrySet().stream()
                .collect(
                    java.util.stream.Collectors.toMap(
                        e -> e.getKey().labels(), Map.Entry::getValue)))
        .forEach((labels, h) -> h.write(out, name, labels));
  }

  private static void counterFamily(
      StringBuilder out, String name, String help, String label, Map<String, LongAdder> values) {
    OpenMetrics.family(out, name, "counter", "", help);
    new TreeMap<>(values)
        .forEach(
            (k, v) ->
                out.append(name)
                    .append("_total{")
                    .append(label)
                    .append("=\"")
                    .append(OpenMetrics.escape(k))
                    .append("\"} ")
                    .append(v.sum())
                    .append('\n'));
  }
}
