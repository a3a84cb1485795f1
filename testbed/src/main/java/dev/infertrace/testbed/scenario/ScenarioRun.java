package dev.infertrace.testbed.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.TraceFile;
import dev.infertrace.explain.verdict.Verdict;
import dev.infertrace.testbed.cluster.TracedCluster;
import dev.infertrace.testbed.epp.Scorer;
import dev.infertrace.testbed.scenario.ScenarioClient.Behaviour;
import dev.infertrace.testbed.scenario.ScenarioClient.Clock;
import dev.infertrace.testbed.scenario.ScenarioClient.Sent;
import dev.infertrace.testbed.sim.fault.FaultSpec;
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
  static final Duration EPP_DELAY = Duration.ofMillis(250);
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
    // All scorers weighted 0: every pick is a tie, broken at random, so each worker takes a third
    // of the load whatever its state and a fault on one always has victims (the queue and prefix
    // scorers would steer around an overloaded worker, and pin the shared prompt to one or two).
    try (TracedCluster stack = TracedCluster.start(WORKERS, traces, new Scorer(0, 0, 0))) {
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
                        c < MISBEHAVING && misbehave.get()
                            ? behaviour(scenario.kind())
                            : Behaviour.NORMAL;
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
      switch (scenario.kind()) {
        case NONE -> {}
        case TWIN_FAULT ->
            stack
                .sim(Scenario.TARGET)
                .faults()
                .add(
                    FaultSpec.parse(
                        scenario.fault()
                            + ",durationSeconds="
                            + String.format(Locale.ROOT, "%.3f", windowNanos / 1e9)));
        case OVERLOAD -> {
          URI twin = URI.create(stack.sim(Scenario.TARGET).baseUrl());
          for (int i = 0; i < OVERLOAD_CLIENTS; i++) {
            int c = i;
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
        case EPP_DELAY -> stack.refEpp().delayRouting(EPP_DELAY);
        default -> misbehave.set(true);
      }
      sleepUntil(we);
      misbehave.set(false);
      stack.refEpp().delayRouting(Duration.ZERO);
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
    String target = "w" + Scenario.TARGET;
    for (Sent s : ordered) {
      String traceId = traceOfRequest.get(s.requestId());
      if (traceId == null) {
        unmatched++;
        continue;
      }
      String worker = workerOfTrace.getOrDefault(traceId, "");
      boolean affected =
          switch (scenario.kind()) {
            case NONE -> false;
            case TWIN_FAULT, OVERLOAD ->
                worker.equals(target) && window.overlaps(s.startNanos(), s.endNanos());
            case EPP_DELAY -> window.contains(s.startNanos());
            default -> s.behaviour() != Behaviour.NORMAL;
          };
      String component = scenario.component();
      if (component.equals("worker *")) {
        component = worker.isEmpty() ? "none" : "worker " + worker;
      }
      out.add(
          new GroundTruth(
              scenario.name(),
              traceId,
              s.requestId(),
              affected ? scenario.cause() : Verdict.HEALTHY,
              affected ? component : "none",
              affected,
              s.startNanos() < measuredFrom,
              s.client(),
              worker,
              s.startNanos(),
              s.endNanos(),
              s.status(),
              s.cancelled()));
    }
    return unmatched;
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
    o.put("cause", scenario.cause());
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
    return switch (scenario.kind()) {
      case NONE -> "none";
      case TWIN_FAULT, OVERLOAD -> "w" + Scenario.TARGET;
      case EPP_DELAY -> "epp";
      default -> "clients c0..c" + (MISBEHAVING - 1);
    };
  }

  private static Thread start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void sleepUntil(long epochNanos) throws InterruptedException {
    long wait = epochNanos - Clock.epochNanos();
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }
}
