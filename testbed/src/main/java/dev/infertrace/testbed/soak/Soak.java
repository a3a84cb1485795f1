package dev.infertrace.testbed.soak;

import dev.infertrace.proxy.ProxyTelemetry;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.export.SpanQueue;
import dev.infertrace.testbed.cluster.TracedCluster;
import dev.infertrace.testbed.epp.Scorer;
import dev.infertrace.testbed.scenario.ScenarioClient;
import dev.infertrace.testbed.scenario.ScenarioClient.Behaviour;
import dev.infertrace.testbed.scenario.ScenarioClient.Clock;
import dev.infertrace.testbed.scenario.ScenarioClient.Sent;
import dev.infertrace.testbed.sim.Sim;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.annotation.Nullable;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * One soak: the traced stack, a saturation probe, then an open-loop load at a fraction of it for
 * the run's length while the faults cycle; every request classified, the spans accounted from the
 * proxies' {@code /metrics}, the process's memory and descriptors sampled.
 */
final class Soak {
  /** Requests one at a time per probe client; tokens per request, as in the soak's own mix. */
  static final int MIN_TOKENS = 16;

  static final int MAX_TOKENS = 160;

  /** Shares of the requests whose clients hang up after 3 tokens, and that read slowly. */
  static final double CANCEL_SHARE = 0.10;

  static final double SLOW_READ_SHARE = 0.10;

  /** Beyond this many requests in flight, arrivals are counted as not sent (the host is stuck). */
  static final int MAX_IN_FLIGHT = 2000;

  /**
   * Resources every 5 s, the heap after a full GC every 60 s (a full collection stops the whole
   * stack — hundreds of milliseconds on a busy 2-core host — so not more often).
   */
  static final long SAMPLE_NANOS = 5_000_000_000L;

  static final int HEAP_EVERY = 12;

  /** How long after a failure its route is looked up: its spans' export (1 s batches). */
  static final long RESOLVE_AFTER_NANOS = 4_000_000_000L;

  /** And how long it is looked for before it is classified without one. */
  static final long RESOLVE_GIVE_UP_NANOS = 30_000_000_000L;

  private final SoakConfig config;
  private final Consumer<String> progress;
  private final List<FaultWindow> faults = new CopyOnWriteArrayList<>();
  private final AtomicReference<FaultWindow> current = new AtomicReference<>();

  /** A failed request and the trace id its client sent. */
  private record Failed(Sent sent, String traceId) {}

  private final ConcurrentLinkedQueue<Failed> toClassify = new ConcurrentLinkedQueue<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong notSent = new AtomicLong();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong okSlowRead = new AtomicLong();
  private final AtomicLong cancelled = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Histogram ttft = new ConcurrentHistogram(3);
  private final Histogram e2e = new ConcurrentHistogram(3);
  private final Map<String, Long> explained = new LinkedHashMap<>();
  private final List<SoakResult.Failure> unexplained = new ArrayList<>();
  private final List<ProxyTelemetry.Telemetry> telemetries = new CopyOnWriteArrayList<>();
  private Map<Long, String> workerOfPort = Map.of();
  private volatile long loadStart;

  private Soak(SoakConfig config, Consumer<String> progress) {
    this.config = config;
    this.progress = progress;
  }

  /** Runs the soak; {@code progress} gets the one-line status about once a second. */
  static SoakResult run(SoakConfig config, Consumer<String> progress) throws Exception {
    return new Soak(config, progress).run();
  }

  private SoakResult run() throws Exception {
    long began = System.nanoTime();
    try (SoakCollector collector = new SoakCollector()) {
      collector.start();
      String endpoint = collector.grpcEndpoint();
      TracedCluster cluster =
          TracedCluster.start(
              new TracedCluster.Options(
                  config.workers(), "w%d", "w%d", new Scorer(1, 1, 1), Map.of(), null, false),
              service -> telemetry(service, endpoint));
      try {
        Map<Long, String> ports = new LinkedHashMap<>();
        for (Endpoint e : cluster.endpoints()) {
          ports.put((long) e.port(), e.name());
        }
        workerOfPort = ports;
        progress.accept("soak: measuring saturation (closed loop, rising concurrency)");
        List<SoakResult.Step> steps = probe(cluster.ingress());
        double saturation = steps.stream().mapToDouble(SoakResult.Step::perSecond).max().orElse(0);
        if (saturation <= 0) {
          throw new IllegalStateException("no request completed while measuring saturation");
        }
        double rate = saturation * config.loadFraction();
        progress.accept(
            String.format(
                java.util.Locale.ROOT,
                "soak: saturation %.2f req/s; driving %.2f req/s (%.0f %%) for %d s",
                saturation,
                rate,
                config.loadFraction() * 100,
                config.length().toSeconds()));
        return load(cluster, collector, steps, saturation, rate, began);
      } finally {
        cluster.close();
      }
    }
  }

  private ProxyTelemetry.Telemetry telemetry(String service, String endpoint) {
    ProxyTelemetry.Telemetry t =
        ProxyTelemetry.Telemetry.of(
            service,
            SpanQueue.builder(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).build())
                .scheduleDelay(Duration.ofSeconds(1)));
    telemetries.add(t);
    return t;
  }

  /**
   * Closed loop at rising concurrency (workers × 1, 2, 4, ...) until throughput gains under 5 %.
   */
  private List<SoakResult.Step> probe(URI ingress) throws InterruptedException {
    List<SoakResult.Step> steps = new ArrayList<>();
    double best = 0;
    for (int c = config.workers(); c <= config.workers() * 32; c *= 2) {
      double perSecond = closedLoop(ingress, c, config.saturationStep());
      steps.add(new SoakResult.Step(c, perSecond));
      progress.accept(
          String.format(java.util.Locale.ROOT, "soak:   %3d clients: %.2f req/s", c, perSecond));
      if (perSecond < best * 1.05) {
        break;
      }
      best = Math.max(best, perSecond);
    }
    return steps;
  }

  private double closedLoop(URI ingress, int clients, Duration step) throws InterruptedException {
    long start = Clock.epochNanos();
    long end = start + step.toNanos();
    AtomicLong done = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      int c = i;
      Thread t =
          new Thread(
              () -> {
                SplittableRandom random = new SplittableRandom(config.seed() * 31 + c);
                int seq = 0;
                while (Clock.epochNanos() < end) {
                  Sent s =
                      ScenarioClient.send(
                          ingress,
                          "probe-" + clients + "-" + c + "-" + seq++,
                          null,
                          "probe",
                          Behaviour.NORMAL,
                          random,
                          MIN_TOKENS,
                          MAX_TOKENS);
                  if (s.complete() && s.endNanos() <= end) {
                    done.incrementAndGet();
                  }
                }
              },
              "soak-probe-" + c);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    return done.get() / (step.toNanos() / 1e9);
  }

  private SoakResult load(
      TracedCluster cluster,
      SoakCollector collector,
      List<SoakResult.Step> steps,
      double saturation,
      double rate,
      long began)
      throws Exception {
    URI ingress = cluster.ingress();
    ExecutorService clients =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "soak-client");
              t.setDaemon(true);
              return t;
            });
    long t0 = Clock.epochNanos();
    loadStart = t0;
    long t0Mono = System.nanoTime();
    long end = t0 + config.length().toNanos();
    AtomicBoolean arriving = new AtomicBoolean(true);
    Thread arrivals =
        new Thread(() -> arrive(ingress, clients, rate, end, arriving), "soak-arrivals");
    arrivals.setDaemon(true);
    Thread faultThread = new Thread(() -> injectFaults(cluster, collector, t0, end), "soak-faults");
    faultThread.setDaemon(true);
    ResourceSampler resources = new ResourceSampler(t0Mono, HEAP_EVERY);
    resources.sample();
    arrivals.start();
    faultThread.start();
    List<Failed> pending = new ArrayList<>();
    long nextSample = t0Mono + SAMPLE_NANOS;
    long lastCompleted = 0;
    long lastTick = System.nanoTime();
    while (Clock.epochNanos() < end) {
      Thread.sleep(1000);
      long now = System.nanoTime();
      if (now >= nextSample) {
        resources.sample();
        collector.prune();
        nextSample += SAMPLE_NANOS;
      }
      resolve(collector, pending, false);
      long completed = ok.get() + cancelled.get() + failed.get();
      double perSecond = (completed - lastCompleted) / ((now - lastTick) / 1e9);
      lastCompleted = completed;
      lastTick = now;
      progress.accept(line(Clock.epochNanos() - t0, perSecond));
    }
    arriving.set(false);
    arrivals.join();
    faultThread.join(60_000);
    clients.shutdown();
    // Slow readers finish; stuck ones are cut by their 60 s socket timeout.
    if (!clients.awaitTermination(150, TimeUnit.SECONDS)) {
      progress.accept("soak: requests still in flight after 150 s: " + inFlight.get());
    }
    long loadEnded = Clock.epochNanos();
    resources.sample(true);
    double seconds = (System.nanoTime() - t0Mono) / 1e9;
    // Spans: vLLM's arrive within 200 ms, the sidecars wait up to 5 s for them; then every queue is
    // flushed and each proxy's counts read.
    Thread.sleep(6000);
    for (ProxyTelemetry.Telemetry t : telemetries) {
      t.spans().forceFlush().join(30, TimeUnit.SECONDS);
    }
    Map<String, SpanAccounts.Counts> spans = new LinkedHashMap<>();
    for (Map.Entry<String, URI> page : new java.util.TreeMap<>(cluster.metricsPages()).entrySet()) {
      spans.put(page.getKey(), SpanAccounts.read(page.getValue()));
    }
    while (!toClassify.isEmpty() || !pending.isEmpty()) {
      resolve(collector, pending, true);
      if (!pending.isEmpty()) {
        Thread.sleep(500);
      }
    }
    return new SoakResult(
        config,
        steps,
        saturation,
        rate,
        seconds,
        new SoakResult.Requests(
            sent.get(),
            notSent.get(),
            ok.get(),
            okSlowRead.get(),
            cancelled.get(),
            failed.get(),
            Map.copyOf(explained),
            List.copyOf(unexplained)),
        ttft,
        e2e,
        List.copyOf(faults),
        spans,
        collector.spans(),
        resources.rss(),
        resources.heap(),
        resources.fds(),
        (loadEnded - t0) / 1e9,
        (System.nanoTime() - began) / 1e9);
  }

  /** Poisson arrivals at {@code rate} until {@code end}, each request on its own thread. */
  private void arrive(
      URI ingress, ExecutorService clients, double rate, long end, AtomicBoolean arriving) {
    SplittableRandom random = new SplittableRandom(config.seed());
    long next = Clock.epochNanos();
    long seq = 0;
    while (arriving.get()) {
      next += (long) (-Math.log(1 - random.nextDouble()) / rate * 1e9);
      if (next >= end) {
        return;
      }
      long wait = next - Clock.epochNanos();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      }
      if (inFlight.get() >= MAX_IN_FLIGHT) {
        notSent.incrementAndGet();
        continue;
      }
      double u = random.nextDouble();
      Behaviour b =
          u < CANCEL_SHARE
              ? Behaviour.CANCEL
              : u < CANCEL_SHARE + SLOW_READ_SHARE ? Behaviour.SLOW_READ : Behaviour.NORMAL;
      SplittableRandom own = random.split();
      long n = seq++;
      String traceparent = traceparent(own);
      inFlight.incrementAndGet();
      sent.incrementAndGet();
      clients.execute(
          () -> {
            try {
              Sent s =
                  ScenarioClient.send(
                      ingress, "soak-" + n, traceparent, "soak", b, own, MIN_TOKENS, MAX_TOKENS);
              record(s, traceId(traceparent));
            } finally {
              inFlight.decrementAndGet();
            }
          });
    }
  }

  private static String traceparent(SplittableRandom random) {
    byte[] trace = new byte[16];
    byte[] span = new byte[8];
    for (int i = 0; i < trace.length; i++) {
      trace[i] = (byte) random.nextInt(256);
    }
    for (int i = 0; i < span.length; i++) {
      span[i] = (byte) random.nextInt(256);
    }
    trace[0] |= 1; // never all zero
    span[0] |= 1;
    return "00-" + HexFormat.of().formatHex(trace) + "-" + HexFormat.of().formatHex(span) + "-01";
  }

  /** The trace id (hex) of a request's {@code traceparent}. */
  static String traceId(String traceparent) {
    return traceparent.substring(3, 35);
  }

  private void record(Sent s, String traceId) {
    Outcome.Verdict v = Outcome.classify(s, "", List.of(), 0);
    switch (v.kind()) {
      case OK -> {
        ok.incrementAndGet();
        if (s.behaviour() == Behaviour.SLOW_READ) {
          okSlowRead.incrementAndGet();
        } else if (s.firstTokenNanos() > 0) {
          ttft.recordValue(Math.max(0, (s.firstTokenNanos() - s.startNanos()) / 1000));
          e2e.recordValue(Math.max(0, (s.doneNanos() - s.startNanos()) / 1000));
        }
      }
      case CANCELLED -> cancelled.incrementAndGet();
      default -> {
        failed.incrementAndGet();
        toClassify.add(new Failed(s, traceId));
      }
    }
  }

  /**
   * Classifies the failures whose spans have had time to arrive (all of them when {@code last}):
   * the worker each touched from its ingress CLIENT span, then the faults.
   */
  private void resolve(SoakCollector collector, List<Failed> pending, boolean last) {
    for (Failed f; (f = toClassify.poll()) != null; ) {
      pending.add(f);
    }
    long now = Clock.epochNanos();
    for (var it = pending.iterator(); it.hasNext(); ) {
      Failed f = it.next();
      Sent s = f.sent();
      if (!last && now - s.endNanos() < RESOLVE_AFTER_NANOS) {
        continue;
      }
      long port = collector.routeOf(f.traceId());
      if (port < 0 && !last && now - s.endNanos() < RESOLVE_GIVE_UP_NANOS) {
        continue;
      }
      String worker = port < 0 ? null : workerOfPort.getOrDefault(port, "port " + port);
      Outcome.Verdict v = Outcome.classify(s, worker, faults, config.grace().toNanos());
      synchronized (this) {
        if (v.kind() == Outcome.Kind.EXPLAINED) {
          explained.merge(v.fault().component().label(), 1L, Long::sum);
        } else {
          progress.accept(
              "soak: unexplained failure: trace "
                  + f.traceId()
                  + " "
                  + s.requestId()
                  + " ("
                  + s.behaviour().name().toLowerCase(java.util.Locale.ROOT)
                  + ") at "
                  + clock(s.startNanos() - loadStart)
                  + "–"
                  + clock(s.endNanos() - loadStart)
                  + ": "
                  + v.why());
          unexplained.add(
              new SoakResult.Failure(
                  f.traceId(),
                  s.requestId(),
                  s.behaviour().name().toLowerCase(java.util.Locale.ROOT),
                  s.startNanos(),
                  s.endNanos(),
                  worker,
                  v.why()));
        }
      }
      it.remove();
    }
  }

  /** The faults, one after the other, one period apart, until the run ends. */
  private void injectFaults(TracedCluster cluster, SoakCollector collector, long t0, long end) {
    long period = config.faultPeriod().toNanos();
    long length = config.faultLength().toNanos();
    int target = 1;
    String worker = cluster.endpoints().get(target).name();
    for (int k = 1; ; k++) {
      long at = t0 + k * period;
      if (at + length + config.grace().toNanos() > end) {
        return;
      }
      if (!sleepUntil(at)) {
        return;
      }
      FaultWindow.Component c = SoakConfig.CYCLE[(k - 1) % SoakConfig.CYCLE.length];
      FaultWindow w =
          new FaultWindow(
              c,
              c == FaultWindow.Component.WORKER ? worker : "all",
              Clock.epochNanos(),
              Long.MAX_VALUE);
      faults.add(w);
      current.set(w);
      try {
        switch (c) {
          case COLLECTOR -> collector.stop();
          case DCGM -> {
            for (int i = 0; i < config.workers(); i++) {
              Sim sim = cluster.sim(i);
              if (sim != null) {
                sim.stopDcgm();
              }
            }
          }
          case EPP -> cluster.stopRefEpp();
          case WORKER -> cluster.stopTwin(target);
        }
        sleepUntil(at + length);
        switch (c) {
          case COLLECTOR -> collector.start();
          case DCGM -> {
            for (int i = 0; i < config.workers(); i++) {
              Sim sim = cluster.sim(i);
              if (sim != null) {
                sim.startDcgm();
              }
            }
          }
          case EPP -> cluster.startRefEpp();
          case WORKER -> cluster.startTwin(target);
        }
      } catch (Exception e) {
        progress.accept("soak: fault " + w.describe() + ": " + e);
      } finally {
        FaultWindow ended = w.ended(Clock.epochNanos());
        faults.set(faults.indexOf(w), ended);
        current.set(null);
      }
    }
  }

  private static boolean sleepUntil(long epochNanos) {
    long wait = epochNanos - Clock.epochNanos();
    if (wait <= 0) {
      return true;
    }
    try {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private String line(long elapsedNanos, double perSecond) {
    FaultWindow f = current.get();
    String fault =
        f == null
            ? "none"
            : String.format(
                java.util.Locale.ROOT,
                "%s down %.0f s",
                f.describe(),
                (Clock.epochNanos() - f.startNanos()) / 1e9);
    int unexplainedNow;
    long explainedNow;
    synchronized (this) {
      unexplainedNow = unexplained.size();
      explainedNow = explained.values().stream().mapToLong(Long::longValue).sum();
    }
    return String.format(
        java.util.Locale.ROOT,
        "[%s / %s] %5.1f req/s  ok %d  cancelled %d  failed %d (explained %d, unexplained %d,"
            + " pending %d)  in flight %d  fault: %s",
        clock(elapsedNanos),
        clock(config.length().toNanos()),
        perSecond,
        ok.get(),
        cancelled.get(),
        failed.get(),
        explainedNow,
        unexplainedNow,
        failed.get() - explainedNow - unexplainedNow,
        inFlight.get(),
        fault);
  }

  static String clock(long nanos) {
    long s = nanos / 1_000_000_000L;
    return String.format(java.util.Locale.ROOT, "%02d:%02d", s / 60, s % 60);
  }

  @Nullable
  FaultWindow current() {
    return current.get();
  }
}
