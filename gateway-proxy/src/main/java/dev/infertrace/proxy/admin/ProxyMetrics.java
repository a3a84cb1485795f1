package dev.infertrace.proxy.admin;

import dev.infertrace.proxy.http.ProxyStats;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
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
  private final LongSupplier spansExported;
  private final LongSupplier spansFailed;

  private volatile java.util.function.Supplier<Map<String, Map<String, Long>>> scrapeFailures =
      Map::of;

  /** Where the worker's failed scrapes are counted (endpoint → reason → count). */
  public void setScrapeFailures(
      java.util.function.Supplier<Map<String, Map<String, Long>>> source) {
    this.scrapeFailures = source;
  }

  public ProxyMetrics(ProxyStats stats, LongSupplier spansExported, LongSupplier spansFailed) {
    this.stats = stats;
    this.spansExported = spansExported;
    this.spansFailed = spansFailed;
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
    Key key = new Key(model == null ? "" : model, upstream);
    observe(ttft, TTFT, key, ttftSeconds, traceId);
    observe(tpot, TPOT, key, tpotSeconds, traceId);
    observe(itl, TPOT, key, itlMeanSeconds, traceId);
    observe(duration, DURATION, key, durationSeconds, traceId);
    byStatus
        .computeIfAbsent(status == 0 ? "none" : Integer.toString(status), k -> new LongAdder())
        .increment();
    for (String reason : finishReasons) {
      byFinish.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }
    if (sloMet != null) {
      (sloMet ? this.sloMet : sloMissed).increment();
    }
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
        "gen_ai_server_time_to_first_token_seconds",
        "Time to the first token chunk, as the proxy saw it.",
        ttft);
    histograms(
        out,
        "gen_ai_server_time_per_output_token_seconds",
        "Time per output token after the first.",
        tpot);
    histograms(
        out,
        "infertrace_inter_token_latency_seconds",
        "Mean gap between token chunks, per request.",
        itl);
    histograms(
        out,
        "gen_ai_server_request_duration_seconds",
        "Request received to response end.",
        duration);
    counterFamily(out, "infertrace_requests", "Requests by HTTP status.", "status", byStatus);
    counterFamily(out, "infertrace_finish_reasons", "Finish reasons seen.", "reason", byFinish);
    OpenMetrics.family(
        out,
        "infertrace_slo",
        "counter",
        "",
        "Requests with an SLO, by whether they met it (met: goodput).");
    out.append("infertrace_slo_total{result=\"met\"} ").append(sloMet.sum()).append('\n');
    out.append("infertrace_slo_total{result=\"missed\"} ").append(sloMissed.sum()).append('\n');
    OpenMetrics.family(
        out, "infertrace_spans", "counter", "", "Spans handed to the exporter, by outcome.");
    out.append("infertrace_spans_total{outcome=\"exported\"} ")
        .append(spansExported.getAsLong())
        .append('\n');
    out.append("infertrace_spans_total{outcome=\"dropped\"} ")
        .append(spansFailed.getAsLong())
        .append('\n');
    OpenMetrics.family(
        out,
        "infertrace_proxy_errors",
        "counter",
        "",
        "Requests the proxy failed or refused, by kind.");
    error(out, "upstream_unavailable", stats.upstreamUnavailable());
    error(out, "upstream_timeout", stats.upstreamTimeouts());
    error(out, "upstream_reset", stats.upstreamResets());
    error(out, "request_timeout", stats.requestTimeouts());
    error(out, "invalid_request", stats.malformedRequests());
    error(out, "cancelled", stats.cancelled());
    error(out, "epp_failure", stats.eppFailures());
    OpenMetrics.family(
        out,
        "infertrace_scrape_failures",
        "counter",
        "",
        "Failed scrapes of vLLM and DCGM metrics, by endpoint and reason.");
    new TreeMap<>(scrapeFailures.get())
        .forEach(
            (endpoint, reasons) ->
                new TreeMap<>(reasons)
                    .forEach(
                        (reason, n) ->
                            out.append("infertrace_scrape_failures_total{endpoint=\"")
                                .append(OpenMetrics.escape(endpoint))
                                .append("\",reason=\"")
                                .append(OpenMetrics.escape(reason))
                                .append("\"} ")
                                .append(n)
                                .append('\n')));
    out.append("# EOF\n");
    return out.toString();
  }

  private static void error(StringBuilder out, String kind, long value) {
    out.append("infertrace_proxy_errors_total{kind=\"")
        .append(kind)
        .append("\"} ")
        .append(value)
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
