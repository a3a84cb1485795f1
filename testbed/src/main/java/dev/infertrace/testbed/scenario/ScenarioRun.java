package dev.infertrace.testbed.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.TraceFile;
import dev.infertrace.explain.verdict.Verdict;
import dev.infertrace.testbed.cluster.TracedCluster;
import dev.infertrace.testbed.epp.Scorer;
import dev.infertrace.testbed.scenario.ClientTypical.Slowdown;
import dev.infertrace.testbed.scenario.ScenarioClient.Behaviour;
import dev.infertrace.testbed.scenario.ScenarioClient.Clock;
import dev.infertrace.testbed.scenario.ScenarioClient.Sent;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One scenario run: the stack of {@link #WORKERS} twins, {@link #CLIENTS} streaming clients in a
 * closed loop for the whole run (the first fifth is warm-up), the cause injected from 40% to 70% of
 * the run, then every request labelled from the trace file and written to {@code
 * ground-truth.jsonl}.
 */
final class ScenarioRun {
  static final int WORKERS = 3;
  static final int CLIENTS = 6;

  /** The clients that misbehave in the client-side scenarios: c0 and c1. */
  static final int MISBEHAVING = 2;

  static final int OVERLOAD_CLIENTS = 8;

  /** The batch cap of the target in the batch-contention scenario, and the clients filling it. */
  static final int WIDE_BATCH = 64;

  static final int WIDE_BATCH_CLIENTS = 48;
  static final Duration EPP_DELAY = Duration.ofMillis(250);
  static final Duration LINK_DELAY = Duration.ofMillis(150);

  /** How long the proxy-stall scenario holds the ingress's loops, and how often. */
  static final Duration PROXY_STALL = Duration.ofMillis(300);

  static final Duration PROXY_STALL_EVERY = Duration.ofMillis(1000);
  static final String TRACES = "traces.jsonl";
  static final String TRUTH = "ground-truth.jsonl";
  static final String META = "scenario.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The injection's window, epoch nanoseconds, end exclusive. */
  record Window(long start, long end) {
    boolean overlaps(long from, long to) {
      return from < end && to > start;
    }

    boolean contains(long t) {
      return t >= start && t < end;
    }
  }

  /** What a run left behind. */
  record Result(
      Scenario scenario,
      Path traces,
      Path truth,
      List<GroundTruth> records,
      Window window,
      int sent,
      int unmatched,
      Duration took) {
    long affected() {
      return records.stream().filter(GroundTruth::affected).count();
    }
  }

  private ScenarioRun() {}

  static Result run(Scenario scenario, Duration length, Path dir) throws Exception {
    if (length.toSeconds() < 5) {
      throw new IllegalArgumentException("a scenario runs at least 5 s, got " + length);
    }
    long began = System.nanoTime();
    Files.createDirectories(dir);
    Path traces = dir.resolve(TRACES);
    List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean misbehave = new AtomicBoolean();
    AtomicLong overloadEnd = new AtomicLong();
    long total = length.toNanos();
    long t0;
    long measuredFrom;
    Window window;
    // The EPP routes by queue length, as llm-d's queue scorer does: the load spreads, and what
    // queueing is left comes from a cause. Only the misroute scenario picks at random (all weights
    // 0, ties broken at random), so that requests go to the overloaded worker at all.
    List<Scenario> parts = scenario.parts();
    boolean atRandom = parts.stream().anyMatch(p -> p.cause().equals(Verdict.MISROUTE));
    Scorer scorer = atRandom ? new Scorer(0, 0, 0) : new Scorer(1, 0, 0);
    // Only where the network is the cause: the link's threads add their own jitter on a busy host.
    boolean links = parts.stream().anyMatch(p -> p.kind() == Scenario.Kind.LINK_DELAY);
    Behaviour misbehaviour =
        parts.stream()
            .map(p -> behaviour(p.kind()))
            .filter(b -> b != Behaviour.NORMAL)
            .findFirst()
            .orElse(Behaviour.NORMAL);
    boolean wide = parts.stream().anyMatch(p -> p.kind() == Scenario.Kind.WIDE_BATCH);
    try (TracedCluster stack =
        TracedCluster.start(
            WORKERS,
            traces,
            scorer,
            links,
            w -> wide && w == Scenario.TARGET ? WIDE_BATCH : TracedCluster.MAX_NUM_SEQS)) {
      t0 = Clock.epochNanos();
      long deadline = t0 + total;
      measuredFrom = t0 + total / 5;
      long windowNanos = total * 3 / 10;
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        int c = i;
        threads.add(
            start(
                "scenario-client-" + c,
                () -> {
                  SplittableRandom random =
                      new SplittableRandom(scenario.name().hashCode() * 31L + c);
                  int seq = 0;
                  while (Clock.epochNanos() < deadline) {
                    Behaviour b =
                        c < MISBEHAVING && misbehave.get() ? misbehaviour : Behaviour.NORMAL;
                    // Long enough that the proxy's socket buffers fill up and the ingress waits on
                    // the reader.
                    int min = b == Behaviour.SLOW_READ ? 300 : 16;
                    int max = b == Behaviour.SLOW_READ ? 360 : 160;
                    sent.add(
                        ScenarioClient.send(
                            stack.ingress(),
                            scenario.name() + "-c" + c + "-" + seq++,
                            "c" + c,
                            b,
                            random,
                            min,
                            max));
                  }
                }));
      }
      sleepUntil(t0 + total * 4 / 10);
      long ws = Clock.epochNanos();
      long we = ws + windowNanos;
      for (Scenario part : parts) {
        inject(part, stack, windowNanos, we, threads, overloadEnd, misbehave);
      }
      sleepUntil(we);
      misbehave.set(false);
      stack.refEpp().delayRouting(Duration.ZERO);
      if (links) {
        stack.link(Scenario.TARGET).delay(Duration.ZERO);
      }
      sleepUntil(deadline);
      for (Thread t : threads) {
        t.join(90_000);
      }
      // Overloaded: the twin's queue lasts until the last extra request has ended.
      window = new Window(ws, Math.max(we, overloadEnd.get()));
    }
    List<GroundTruth> records = new ArrayList<>();
    int unmatched = label(scenario, traces, sent, window, measuredFrom, records);
    Path truth = dir.resolve(TRUTH);
    GroundTruth.write(truth, records);
    writeMeta(dir.resolve(META), scenario, t0, measuredFrom, window);
    return new Result(
        scenario,
        traces,
        truth,
        records,
        window,
        sent.size(),
        unmatched,
        Duration.ofNanos(System.nanoTime() - began));
  }

  /**
   * Labels every request sent: its trace from the ingress SERVER span with its {@code
   * llm.request.id}, the worker that served it from the worker SERVER span in that trace.
   *
   * @return how many requests have no ingress span (they get no record)
   */
  static int label(
      Scenario scenario,
      Path traces,
      List<Sent> sent,
      Window window,
      long measuredFrom,
      List<GroundTruth> out)
      throws IOException {
    Map<String, String> traceOfRequest = new HashMap<>();
    Map<String, String> workerOfTrace = new HashMap<>();
    for (SpanRecord s : TraceFile.read(traces).spans()) {
      if (s.kind() != SpanRecord.KIND_SERVER) {
        continue;
      }
      if (s.service().equals(TracedCluster.INGRESS_SERVICE)) {
        String id = s.text("llm.request.id");
        if (id != null) {
          traceOfRequest.put(id, s.traceId());
        }
      } else if (s.service().startsWith(TracedCluster.WORKER_SERVICE_PREFIX)) {
        workerOfTrace.put(
            s.traceId(), s.service().substring(TracedCluster.WORKER_SERVICE_PREFIX.length()));
      }
    }
    int unmatched = 0;
    List<Sent> ordered = new ArrayList<>(sent);
    ordered.sort((a, b) -> Long.compare(a.startNanos(), b.startNanos()));
    // The misbehaving clients' requests, by the worker that served them: a heavy prompt slows its
    // neighbours in the batch too.
    Map<String, List<Sent>> heavyOn = new HashMap<>();
    for (Sent s : ordered) {
      String traceId = traceOfRequest.get(s.requestId());
      if (traceId != null && s.behaviour() != Behaviour.NORMAL) {
        heavyOn
            .computeIfAbsent(workerOfTrace.getOrDefault(traceId, ""), k -> new ArrayList<>())
            .add(s);
      }
    }
    String target = "w" + Scenario.TARGET;
    ClientTypical typical = ClientTypical.of(ordered, measuredFrom, window);
    for (Sent s : ordered) {
      String traceId = traceOfRequest.get(s.requestId());
      if (traceId == null) {
        unmatched++;
        continue;
      }
      String worker = workerOfTrace.getOrDefault(traceId, "");
      List<Scenario> hit = new ArrayList<>();
      for (Scenario part : scenario.parts()) {
        if (exposed(part, s, worker, target, window)) {
          hit.add(part);
        }
      }
      boolean exposed = !hit.isEmpty();
      boolean heavy = scenario.parts().stream().anyMatch(p -> p.kind().heavyPrompts());
      String unscored = "";
      if (exposed && s.behaviour() != Behaviour.CANCEL) {
        // Exposed is not hurt: a request on the faulted worker may still have been served as fast
        // as its peers. The client's own clock says which.
        Slowdown slow = typical.slowdown(s);
        if (slow == Slowdown.NONE) {
          exposed = false;
        } else if (slow == Slowdown.SLIGHT) {
          unscored = "marginal: exposed, " + typical.describe(s);
        }
      } else if (!exposed && heavy) {
        for (Sent h : heavyOn.getOrDefault(worker, List.of())) {
          if (h.startNanos() < s.endNanos() && h.endNanos() > s.startNanos()) {
            unscored = "collateral: on " + worker + " beside " + h.requestId();
            break;
          }
        }
      }
      if (!exposed
          && unscored.isEmpty()
          && s.startNanos() >= measuredFrom
          && s.behaviour() == Behaviour.NORMAL
          && s.status() == 200
          && typical.slowdown(s) == Slowdown.SLOWED) {
        // Slowed with no cause injected (a busy host, a moment of imbalance): its cause is not
        // known, so no verdict for it can be scored right or wrong. Counted apart.
        unscored = ScenarioScore.SLOWED_UNLABELLED + typical.describe(s);
      }
      boolean affected = exposed && unscored.isEmpty();
      List<String> causes = new ArrayList<>();
      List<String> components = new ArrayList<>();
      for (Scenario part : hit) {
        causes.add(part.cause());
        String component = part.component();
        if (component.equals("worker *")) {
          component = worker.isEmpty() ? "none" : "worker " + worker;
        }
        components.add(component);
      }
      out.add(
          new GroundTruth(
              scenario.name(),
              traceId,
              s.requestId(),
              affected ? String.join("+", causes) : Verdict.HEALTHY,
              affected ? String.join("+", components) : "none",
              affected,
              s.startNanos() < measuredFrom,
              s.client(),
              worker,
              s.startNanos(),
              s.endNanos(),
              s.status(),
              s.cancelled(),
              unscored));
    }
    return unmatched;
  }

  /** Whether {@code s}, served by {@code worker}, could be reached by the cause {@code part}. */
  private static boolean exposed(Scenario part, Sent s, String worker, String target, Window w) {
    return switch (part.kind()) {
      case NONE -> false;
      case TWIN_FAULT, OVERLOAD, WIDE_BATCH ->
          worker.equals(target) && w.overlaps(s.startNanos(), s.endNanos());
      case OVERLOAD_ALL -> !worker.isEmpty() && w.overlaps(s.startNanos(), s.endNanos());
      // Every request in the window is exposed (a stall a second); one that no stall reached is
      // not slowed, and the clients' own times label it healthy.
      case PROXY_STALL -> w.overlaps(s.startNanos(), s.endNanos());
      case LINK_DELAY -> worker.equals(target) && w.contains(s.startNanos());
      case EPP_DELAY -> w.contains(s.startNanos());
      default -> s.behaviour() == behaviour(part.kind());
    };
  }

  /** Starts one cause for the window ending at {@code we}. */
  private static void inject(
      Scenario part,
      TracedCluster stack,
      long windowNanos,
      long we,
      List<Thread> threads,
      AtomicLong overloadEnd,
      AtomicBoolean misbehave) {
    switch (part.kind()) {
      case NONE -> {}
      case TWIN_FAULT ->
          stack
              .sim(Scenario.TARGET)
              .faults()
              .add(
                  FaultSpec.parse(
                      part.fault()
                          + ",durationSeconds="
                          + String.format(Locale.ROOT, "%.3f", windowNanos / 1e9)));
      case OVERLOAD, OVERLOAD_ALL, WIDE_BATCH -> {
        int clients =
            part.kind() == Scenario.Kind.WIDE_BATCH ? WIDE_BATCH_CLIENTS : OVERLOAD_CLIENTS;
        for (int w = 0; w < WORKERS; w++) {
          if (part.kind() != Scenario.Kind.OVERLOAD_ALL && w != Scenario.TARGET) {
            continue;
          }
          URI twin = URI.create(stack.sim(w).baseUrl());
          for (int i = 0; i < clients; i++) {
            int c = w * clients + i;
            threads.add(
                start(
                    "scenario-overload-" + c,
                    () -> {
                      SplittableRandom random = new SplittableRandom(c);
                      int seq = 0;
                      while (Clock.epochNanos() < we) {
                        Sent s =
                            ScenarioClient.send(
                                twin,
                                "overload-" + c + "-" + seq++,
                                "o" + c,
                                Behaviour.NORMAL,
                                random,
                                300,
                                400);
                        overloadEnd.accumulateAndGet(s.endNanos(), Math::max);
                      }
                    }));
          }
        }
      }
      case LINK_DELAY -> stack.link(Scenario.TARGET).delay(LINK_DELAY);
      case EPP_DELAY -> stack.refEpp().delayRouting(EPP_DELAY);
      case PROXY_STALL ->
          threads.add(
              start(
                  "scenario-proxy-stall",
                  () -> {
                    while (Clock.epochNanos() + PROXY_STALL.toNanos() < we) {
                      for (EventExecutor loop : stack.ingressLoops()) {
                        loop.execute(() -> sleep(PROXY_STALL));
                      }
                      sleep(PROXY_STALL_EVERY);
                    }
                  }));
      default -> misbehave.set(true);
    }
  }

  private static Behaviour behaviour(Scenario.Kind kind) {
    return switch (kind) {
      case SLOW_CLIENT -> Behaviour.SLOW_READ;
      case CLIENT_CANCEL -> Behaviour.CANCEL;
      case LONG_PROMPT -> Behaviour.LONG_PROMPT;
      case PREFIX_MISS -> Behaviour.PREFIX_MISS;
      default -> Behaviour.NORMAL;
    };
  }

  private static void writeMeta(
      Path file, Scenario scenario, long t0, long measuredFrom, Window window) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", scenario.name());
    o.put("cause", scenario.causes());
    o.put("component", scenario.component());
    o.put("injection", scenario.how());
    o.put("kind", scenario.kind().name().toLowerCase(Locale.ROOT));
    o.put("target", targetOf(scenario));
    o.put("startUnixNano", t0);
    o.put("measuredFromUnixNano", measuredFrom);
    o.put("windowStartUnixNano", window.start());
    o.put("windowEndUnixNano", window.end());
    Files.writeString(file, o.toPrettyString() + "\n", StandardCharsets.UTF_8);
  }

  static String targetOf(Scenario scenario) {
    if (!scenario.with().isEmpty()) {
      return String.join(
          "+", scenario.parts().stream().map(ScenarioRun::targetOf).distinct().toList());
    }
    return switch (scenario.kind()) {
      case NONE -> "none";
      case TWIN_FAULT, OVERLOAD, LINK_DELAY, WIDE_BATCH -> "w" + Scenario.TARGET;
      case OVERLOAD_ALL -> "w0..w" + (WORKERS - 1);
      case EPP_DELAY -> "epp";
      case PROXY_STALL -> "ingress";
      default -> "clients c0..c" + (MISBEHAVING - 1);
    };
  }

  private static Thread start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Sleeps; an interrupt ends the sleep and stays set. */
  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleepUntil(long epochNanos) throws InterruptedException {
    long wait = epochNanos - Clock.epochNanos();
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }
}
