package dev.infertrace.proxy.state;

import dev.infertrace.core.gpu.ClocksEventReasons;
import dev.infertrace.core.gpu.DcgmSample;
import dev.infertrace.core.gpu.GpuAggregate;
import dev.infertrace.core.gpu.GpuAggregate.Reduce;
import dev.infertrace.core.schema.DcgmAttributes;
import dev.infertrace.core.schema.HwAttributes;
import dev.infertrace.core.schema.VllmAttributes;
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
 * instead. GPU fields are aggregated by {@link GpuAggregate}. Thread-safe.
 */
public final class WorkerState implements AutoCloseable {
  private static final int CAPACITY = 4096;
  private static final AttributeKey<List<String>> HW_ID =
      AttributeKey.stringArrayKey(HwAttributes.ID);
  private static final AttributeKey<List<String>> REASONS =
      AttributeKey.stringArrayKey(DcgmAttributes.CLOCKS_EVENT_REASONS);

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
    this(
        engineMetrics,
        engineInterval,
        dcgm,
        dcgmInterval,
        pod,
        namespace,
        gpuUuids,
        fieldAliases,
        Scraper.DEFAULT_MAX_BYTES);
  }

  /** As above, each scraped page read up to {@code scrapeMaxBytes} (reason {@code too_large}). */
  public WorkerState(
      @Nullable URI engineMetrics,
      Duration engineInterval,
      @Nullable URI dcgm,
      Duration dcgmInterval,
      @Nullable String pod,
      @Nullable String namespace,
      Set<String> gpuUuids,
      Map<String, String> fieldAliases,
      int scrapeMaxBytes) {
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
              scrapeMaxBytes,
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
              scrapeMaxBytes,
              timer,
              (now, page) ->
                  gpus.add(now, DcgmSample.of(page, pod, namespace, gpuUuids, fieldAliases))));
    }
  }

  /**
   * A state that scrapes nothing and holds one engine sample and one GPU sample, taken now: what
   * the proxy's warm-up gives its copy of a worker's pipeline, so that the enrichment of a request
   * with fresh samples runs once before the first real request needs it.
   */
  public static WorkerState holding(EngineSample engine, DcgmSample gpus) {
    Duration interval = Duration.ofSeconds(1);
    WorkerState state = new WorkerState(null, interval, null, interval, null, null, Set.of());
    long now = Clock.now();
    state.engine.add(now, engine);
    state.gpus.add(now, gpus);
    return state;
  }

  /** On the worker SERVER span at admission: vLLM's gauges and the GPUs serving it. */
  public void onAdmission(Span span, long nowNanos) {
    Timeline.Sample<EngineSample> e = engine.at(nowNanos);
    if (e == null || nowNanos - e.epochNanos() > engineStaleNanos) {
      if (engineEnabled) {
        span.setAttribute(VllmAttributes.STALE, true);
      }
    } else {
      engineAttributes(span, e.value(), nowNanos - e.epochNanos());
    }
    Timeline.Sample<DcgmSample> g = gpus.at(nowNanos);
    if (g != null && !g.value().byUuid().isEmpty()) {
      span.setAttribute(HW_ID, List.copyOf(g.value().byUuid().keySet()));
    }
  }

  /**
   * On a phase span: the engine's and the GPUs' state over its window — the highest and the mean of
   * the queue, the batch and KV use, the preemptions during it; the GPUs' clocks against their
   * maximum with the reasons they were held down, and an XID only when it showed around the window.
   */
  public void onPhase(Span span, long from, long to) {
    Timeline.Sample<EngineSample> e = engine.at(to);
    if (e != null && to - e.epochNanos() <= engineStaleNanos) {
      engineWindow(span, from, to);
      span.setAttribute(VllmAttributes.SAMPLE_AGE, (to - e.epochNanos()) / 1e9);
    }
    Timeline.Sample<DcgmSample> latest = gpus.at(to);
    if (latest == null || to - latest.epochNanos() > gpuStaleNanos) {
      if (hasDcgm()) {
        span.setAttribute(DcgmAttributes.STALE, true);
      }
      return;
    }
    span.setAttribute(DcgmAttributes.SAMPLE_AGE, (to - latest.epochNanos()) / 1e9);
    span.setAttribute(HW_ID, List.copyOf(latest.value().byUuid().keySet()));
    gpu(span, from, to, DcgmAttributes.GPU_UTIL, DcgmSample.Values::gpuUtil, Reduce.AVG);
    gpu(span, from, to, DcgmAttributes.SM_CLOCK, DcgmSample.Values::smClock, Reduce.MIN);
    gpu(span, from, to, DcgmAttributes.SM_CLOCK_MAX, DcgmSample.Values::smClock, Reduce.MAX);
    gpu(span, from, to, DcgmAttributes.SM_CLOCK_LIMIT, DcgmSample.Values::maxSmClock, Reduce.MIN);
    gpu(span, from, to, DcgmAttributes.POWER_USAGE, DcgmSample.Values::powerUsage, Reduce.AVG);
    gpu(span, from, to, DcgmAttributes.GPU_TEMP, DcgmSample.Values::gpuTemp, Reduce.MAX);
    gpu(span, from, to, DcgmAttributes.FB_USED, DcgmSample.Values::fbUsedBytes, Reduce.MAX);
    gpu(span, from, to, DcgmAttributes.TENSOR_ACTIVE, DcgmSample.Values::tensorActive, Reduce.AVG);
    clockReasons(span, from, to);
    xid(span, from, to);
  }

  /** A worker-local verdict: its cause (explain's cause names) and the figures behind it. */
  public record Verdict(String cause, String evidence) {}

  /**
   * The worker's verdict on a request that ran over {@code [from, to]}, from evidence that is
   * abnormal by itself (no baseline needed): an XID that showed during it, GPU clocks held down for
   * a slowing reason, a KV cache near full with preemptions. Null when there is none: the request
   * may still have been slow, which {@code explain} tells against its peers.
   */
  @Nullable
  public Verdict verdict(long from, long to) {
    Timeline.Sample<DcgmSample> latest = gpus.at(to);
    if (latest != null && to - latest.epochNanos() <= gpuStaleNanos) {
      double xid = GpuAggregate.over(gpus, from, to, DcgmSample.Values::xid, Reduce.MAX);
      if (!Double.isNaN(xid) && xid > 0) {
        long since =
            gpus.runStart(
                to, g -> GpuAggregate.across(g, DcgmSample.Values::xid, Reduce.MAX) == xid);
        if (since >= from - gpuStaleNanos) {
          return new Verdict("gpu_fault", String.format(java.util.Locale.ROOT, "XID %.0f", xid));
        }
      }
      long mask = reasonMask(from, to);
      double clock = GpuAggregate.over(gpus, from, to, DcgmSample.Values::smClock, Reduce.MIN);
      double limit = GpuAggregate.over(gpus, from, to, DcgmSample.Values::maxSmClock, Reduce.MIN);
      // A slowing reason with the clock still at its maximum held nothing down (at its power cap a
      // GPU sets sw_power_cap before it lowers a clock).
      boolean atMax = !Double.isNaN(clock) && !Double.isNaN(limit) && clock >= 0.97 * limit;
      if (ClocksEventReasons.slowing(mask) && !atMax) {
        List<String> names = new ArrayList<>(ClocksEventReasons.names(mask));
        names.removeIf(n -> n.equals("gpu_idle") || n.equals("display_clock_setting"));
        return new Verdict(
            "gpu_throttling",
            String.format(
                java.util.Locale.ROOT,
                "SM clock %.0f of %.0f MHz, %s",
                clock,
                limit,
                String.join(", ", names)));
      }
    }
    Timeline.Sample<EngineSample> e = engine.at(to);
    if (e != null && to - e.epochNanos() <= engineStaleNanos) {
      Timeline.Stats kv = engine.over(from, to, EngineSample::kvCacheUsage);
      Timeline.Stats p = engine.over(from, to, EngineSample::preemptions);
      if (kv != null && p != null && kv.max() >= 0.9 && p.max() > p.min()) {
        return new Verdict(
            "kv_cache_pressure",
            String.format(
                java.util.Locale.ROOT,
                "KV cache %.0f%% used, %.0f preemption(s)",
                100 * kv.max(),
                p.max() - p.min()));
      }
    }
    return null;
  }

  private long reasonMask(long from, long to) {
    long mask = 0;
    for (Timeline.Sample<DcgmSample> s : gpus.window(from, to)) {
      for (DcgmSample.Values v : s.value().byUuid().values()) {
        if (!Double.isNaN(v.clocksEventReasons())) {
          mask |= (long) v.clocksEventReasons();
        }
      }
    }
    return mask;
  }

  /** The reason bits set in any sample of any GPU over the window, by name. */
  private void clockReasons(Span span, long from, long to) {
    boolean reported =
        gpus.window(from, to).stream()
            .flatMap(s -> s.value().byUuid().values().stream())
            .anyMatch(v -> !Double.isNaN(v.clocksEventReasons()));
    if (reported) {
      span.setAttribute(REASONS, ClocksEventReasons.names(reasonMask(from, to)));
    }
  }

  /**
   * The XID seen over the window, with when it first showed relative to the span's start: only when
   * that was during the window or within the staleness bound before it (dcgm-exporter keeps
   * reporting the last XID long after the fault).
   */
  private void xid(Span span, long from, long to) {
    double xid = GpuAggregate.over(gpus, from, to, DcgmSample.Values::xid, Reduce.MAX);
    if (Double.isNaN(xid) || xid <= 0) {
      return;
    }
    long since =
        gpus.runStart(to, g -> GpuAggregate.across(g, DcgmSample.Values::xid, Reduce.MAX) == xid);
    if (since >= 0 && since >= from - gpuStaleNanos) {
      span.setAttribute(DcgmAttributes.XID_ERRORS, xid);
      span.setAttribute(DcgmAttributes.XID_ERRORS_AT, (since - from) / 1e9);
    }
  }

  /** The engine's gauges over the window: the highest and the mean; preemptions during it. */
  private void engineWindow(Span span, long from, long to) {
    Timeline.Stats w = engine.over(from, to, EngineSample::waiting);
    if (w != null) {
      span.setAttribute(VllmAttributes.NUM_REQUESTS_WAITING, (long) w.max());
      span.setAttribute(VllmAttributes.NUM_REQUESTS_WAITING_MEAN, w.avg());
    }
    Timeline.Stats r = engine.over(from, to, EngineSample::running);
    if (r != null) {
      span.setAttribute(VllmAttributes.NUM_REQUESTS_RUNNING, (long) r.max());
      span.setAttribute(VllmAttributes.NUM_REQUESTS_RUNNING_MEAN, r.avg());
    }
    Timeline.Stats kv = engine.over(from, to, EngineSample::kvCacheUsage);
    if (kv != null) {
      span.setAttribute(VllmAttributes.KV_CACHE_USAGE_PERC, kv.max());
      span.setAttribute(VllmAttributes.KV_CACHE_USAGE_PERC_MEAN, kv.avg());
    }
    Timeline.Stats p = engine.over(from, to, EngineSample::preemptions);
    if (p != null) {
      span.setAttribute(VllmAttributes.NUM_PREEMPTIONS, (long) (p.max() - p.min())); // a counter
    }
  }

  private void gpu(
      Span span,
      long from,
      long to,
      String key,
      ToDoubleFunction<DcgmSample.Values> f,
      Reduce reduce) {
    // Across the worker's GPUs and the window: the worst one (min clock, max temp) or the mean.
    double v = GpuAggregate.over(gpus, from, to, f, reduce);
    if (!Double.isNaN(v)) {
      span.setAttribute(key, v);
    }
  }

  private static void engineAttributes(Span span, EngineSample e, long ageNanos) {
    if (!Double.isNaN(e.waiting())) {
      span.setAttribute(VllmAttributes.NUM_REQUESTS_WAITING, (long) e.waiting());
    }
    if (!Double.isNaN(e.running())) {
      span.setAttribute(VllmAttributes.NUM_REQUESTS_RUNNING, (long) e.running());
    }
    if (!Double.isNaN(e.kvCacheUsage())) {
      span.setAttribute(VllmAttributes.KV_CACHE_USAGE_PERC, e.kvCacheUsage());
    }
    span.setAttribute(VllmAttributes.SAMPLE_AGE, ageNanos / 1e9);
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
