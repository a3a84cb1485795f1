package dev.infertrace.proxy.state;

import dev.infertrace.core.gpu.DcgmSample;
import dev.infertrace.core.state.Timeline;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.ToDoubleFunction;
import javax.annotation.Nullable;

/**
 * What a worker knows about its engine and its GPUs: vLLM gauges and DCGM fields scraped into
 * bounded timelines, and the rules for putting them on spans. A sample older than the staleness
 * bound (3 × its interval) is never attached; the span says {@code vllm.stale} / {@code dcgm.stale}
 * instead. Thread-safe.
 */
public final class WorkerState implements AutoCloseable {
  private static final int CAPACITY = 4096;

  private final Timeline<EngineSample> engine = new Timeline<>(CAPACITY);
  private final Timeline<DcgmSample> gpus = new Timeline<>(CAPACITY);
  private final long engineStaleNanos;
  private final long gpuStaleNanos;
  private final ScheduledExecutorService timer;
  private final List<Scraper> scrapers = new ArrayList<>();
  private final boolean dcgmEnabled;
  private final boolean engineEnabled;

  /**
   * @param engineMetrics vLLM's /metrics, or null for none
   * @param dcgm the DCGM exporter's /metrics, or null for none
   * @param pod keep GPU series with this {@code pod} label (with {@code namespace} when given)
   * @param gpuUuids keep GPU series with these UUIDs (wins over pod)
   */
  public WorkerState(
      @Nullable URI engineMetrics,
      Duration engineInterval,
      @Nullable URI dcgm,
      Duration dcgmInterval,
      @Nullable String pod,
      @Nullable String namespace,
      Set<String> gpuUuids) {
    this(
        engineMetrics,
        engineInterval,
        dcgm,
        dcgmInterval,
        pod,
        namespace,
        gpuUuids,
        DcgmSample.DEFAULT_ALIASES);
  }

  /** As above, reading DCGM fields under other names through {@code fieldAliases}. */
  public WorkerState(
      @Nullable URI engineMetrics,
      Duration engineInterval,
      @Nullable URI dcgm,
      Duration dcgmInterval,
      @Nullable String pod,
      @Nullable String namespace,
      Set<String> gpuUuids,
      Map<String, String> fieldAliases) {
    this.engineStaleNanos = engineInterval.toNanos() * 3;
    this.gpuStaleNanos = dcgmInterval.toNanos() * 3;
    this.dcgmEnabled = dcgm != null;
    this.engineEnabled = engineMetrics != null;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "worker-scrapers");
              t.setDaemon(true);
              return t;
            });
    if (engineMetrics != null) {
      scrapers.add(
          new Scraper(
              engineMetrics,
              engineInterval,
              timer,
              (now, page) -> {
                EngineSample s = EngineSample.of(page);
                if (s == null) {
                  throw new IllegalStateException("no vllm gauges");
                }
                engine.add(now, s);
              }));
    }
    if (dcgm != null) {
      scrapers.add(
          new Scraper(
              dcgm,
              dcgmInterval,
              timer,
              (now, page) ->
                  gpus.add(now, DcgmSample.of(page, pod, namespace, gpuUuids, fieldAliases))));
    }
  }

  /** On the worker SERVER span at admission: vLLM's gauges and the GPUs serving it. */
  public void onAdmission(Span span, long nowNanos) {
    Timeline.Sample<EngineSample> e = engine.at(nowNanos);
    if (e == null || nowNanos - e.epochNanos() > engineStaleNanos) {
      if (engineEnabled) {
        span.setAttribute("vllm.stale", true);
      }
    } else {
      engineAttributes(span, e.value(), nowNanos - e.epochNanos());
    }
    Timeline.Sample<DcgmSample> g = gpus.at(nowNanos);
    if (g != null && !g.value().byUuid().isEmpty()) {
      span.setAttribute(
          AttributeKey.stringArrayKey("hw.id"), List.copyOf(g.value().byUuid().keySet()));
    }
  }

  /** On a phase span: vLLM's gauges at its start, the GPUs' state over its window. */
  public void onPhase(Span span, long from, long to) {
    Timeline.Sample<EngineSample> e = engine.at(from);
    if (e != null && from - e.epochNanos() <= engineStaleNanos) {
      engineAttributes(span, e.value(), from - e.epochNanos());
    }
    Timeline.Sample<DcgmSample> latest = gpus.at(to);
    if (latest == null || to - latest.epochNanos() > gpuStaleNanos) {
      if (hasDcgm()) {
        span.setAttribute("dcgm.stale", true);
      }
      return;
    }
    span.setAttribute("dcgm.sample_age", (to - latest.epochNanos()) / 1e9);
    span.setAttribute(
        AttributeKey.stringArrayKey("hw.id"), List.copyOf(latest.value().byUuid().keySet()));
    gpu(span, from, to, "dcgm.gpu_util", DcgmSample.Values::gpuUtil, Agg.AVG);
    gpu(span, from, to, "dcgm.sm_clock", DcgmSample.Values::smClock, Agg.MIN);
    gpu(span, from, to, "dcgm.sm_clock.max", DcgmSample.Values::smClock, Agg.MAX);
    gpu(span, from, to, "dcgm.power_usage", DcgmSample.Values::powerUsage, Agg.AVG);
    gpu(span, from, to, "dcgm.gpu_temp", DcgmSample.Values::gpuTemp, Agg.MAX);
    gpu(span, from, to, "dcgm.fb_used", DcgmSample.Values::fbUsedBytes, Agg.MAX);
    gpu(span, from, to, "dcgm.tensor_active", DcgmSample.Values::tensorActive, Agg.AVG);
    gpu(span, from, to, "dcgm.xid_errors", DcgmSample.Values::xid, Agg.MAX);
  }

  private enum Agg {
    MIN,
    AVG,
    MAX
  }

  private void gpu(
      Span span, long from, long to, String key, ToDoubleFunction<DcgmSample.Values> f, Agg agg) {
    // Across the worker's GPUs: the worst one (min clock, max temp) or the mean, per the field.
    Timeline.Stats s =
        gpus.over(
            from,
            to,
            sample -> {
              double acc =
                  agg == Agg.MIN
                      ? Double.POSITIVE_INFINITY
                      : agg == Agg.MAX ? Double.NEGATIVE_INFINITY : 0;
              int n = 0;
              for (DcgmSample.Values v : sample.byUuid().values()) {
                double x = f.applyAsDouble(v);
                if (Double.isNaN(x)) {
                  continue;
                }
                acc =
                    agg == Agg.MIN ? Math.min(acc, x) : agg == Agg.MAX ? Math.max(acc, x) : acc + x;
                n++;
              }
              return n == 0 ? Double.NaN : agg == Agg.AVG ? acc / n : acc;
            });
    if (s != null) {
      span.setAttribute(key, agg == Agg.MIN ? s.min() : agg == Agg.MAX ? s.max() : s.avg());
    }
  }

  private static void engineAttributes(Span span, EngineSample e, long ageNanos) {
    if (!Double.isNaN(e.waiting())) {
      span.setAttribute("vllm.num_requests_waiting", (long) e.waiting());
    }
    if (!Double.isNaN(e.running())) {
      span.setAttribute("vllm.num_requests_running", (long) e.running());
    }
    if (!Double.isNaN(e.kvCacheUsage())) {
      span.setAttribute("vllm.kv_cache_usage_perc", e.kvCacheUsage());
    }
    span.setAttribute("vllm.sample_age", ageNanos / 1e9);
  }

  private boolean hasDcgm() {
    return dcgmEnabled;
  }

  /** Failed scrapes by endpoint and reason. */
  public Map<String, Map<String, Long>> failures() {
    Map<String, Map<String, Long>> out = new java.util.TreeMap<>();
    scrapers.forEach(s -> out.put(s.url().toString(), s.failures()));
    return out;
  }

  @Override
  public void close() {
    scrapers.forEach(Scraper::close);
    timer.shutdownNow();
  }
}
