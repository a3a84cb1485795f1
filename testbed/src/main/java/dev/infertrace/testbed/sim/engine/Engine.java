package dev.infertrace.testbed.sim.engine;

import dev.infertrace.testbed.sim.SimClock;
import dev.infertrace.testbed.sim.fault.FaultSchedule;
import dev.infertrace.testbed.sim.gpu.GpuSet;
import dev.infertrace.testbed.sim.metrics.EngineGauges;
import dev.infertrace.testbed.sim.metrics.VllmMetrics;
import dev.infertrace.testbed.sim.tracing.LlmRequestSpans;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The twin's engine core: one thread that runs vLLM V1's loop — take new and aborted requests, plan
 * a step ({@link Scheduler}), spend the step's time ({@link StepTimeModel}, slowed by the GPUs'
 * clocks and the faults), then hand each sequence its next token.
 *
 * <p>{@link #submit} and {@link Submission#abort} are thread-safe and never block; everything else
 * happens on the engine thread. Observers, metrics, the GPU twin and the span exporter are called
 * on that thread and must return quickly.
 */
public final class Engine implements EngineGauges, AutoCloseable {
  private static final long IDLE_PARK_NANOS = 20_000_000L;

  private final String model;
  private final EngineConfig config;
  private final SimClock clock;
  private final FaultSchedule faults;
  private final GpuSet gpus;
  private final VllmMetrics metrics;
  private final LlmRequestSpans spans;
  private final Scheduler scheduler;
  private final StepPlan plan = new StepPlan();
  private final Queue<Sequence> inbox = new ConcurrentLinkedQueue<>();
  private final Queue<Sequence> aborts = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inboxSize = new AtomicInteger();
  private final List<Sequence> live = new ArrayList<>();
  private final Thread thread;

  private volatile boolean stopping;
  private volatile int running;
  private volatile int waiting;
  private volatile double kvUsage;

  /** Handle of a submitted request. */
  public final class Submission {
    private final Sequence sequence;

    private Submission(Sequence sequence) {
      this.sequence = sequence;
    }

    /** Stops the request (the client went away); its observer gets {@code onFinished(abort)}. */
    public void abort() {
      aborts.add(sequence);
      LockSupport.unpark(thread);
    }
  }

  /** Thrown by {@link #submit} when the waiting queue is full. */
  public static final class QueueFullException extends Exception {
    QueueFullException(int limit) {
      super(
          "the waiting queue is full (" + limit + " requests); try again later",
          null,
          false,
          false);
    }
  }

  /**
   * @param model the served model name (for metrics and spans)
   */
  public Engine(
      String model,
      EngineConfig config,
      SimClock clock,
      FaultSchedule faults,
      GpuSet gpus,
      java.util.function.Function<EngineGauges, VllmMetrics> metrics,
      LlmRequestSpans spans) {
    this.model = model;
    this.config = config;
    this.clock = clock;
    this.faults = faults;
    this.gpus = gpus;
    this.metrics = metrics.apply(this);
    this.spans = spans;
    this.scheduler =
        new Scheduler(
            config.maxNumSeqs(),
            config.maxNumBatchedTokens(),
            new KvCache(config.numGpuBlocks(), config.blockSize(), config.prefixCaching()));
    this.thread = new Thread(this::loop, "sim-engine-" + model);
    thread.setDaemon(true);
  }

  /** Starts the engine thread. */
  public Engine start() {
    thread.start();
    return this;
  }

  /** This engine's metrics. */
  public VllmMetrics metrics() {
    return metrics;
  }

  public EngineConfig config() {
    return config;
  }

  /** Queues a request; its observer hears about its tokens and its end. */
  public Submission submit(EngineRequest request) throws QueueFullException {
    if (waiting + inboxSize.get() >= config.maxWaiting()) {
      throw new QueueFullException(config.maxWaiting());
    }
    Sequence s = new Sequence(request);
    inboxSize.incrementAndGet();
    inbox.add(s);
    LockSupport.unpark(thread);
    return new Submission(s);
  }

  @Override
  public int running() {
    return running;
  }

  @Override
  public int waiting() {
    return waiting;
  }

  @Override
  public double kvCacheUsage() {
    return kvUsage;
  }

  /** Stops the engine; requests still in it end as aborted. */
  @Override
  public void close() {
    stopping = true;
    LockSupport.unpark(thread);
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    while (!stopping) {
      takeRequests();
      long stallEnd = faults.stallEndNanos();
      long now = clock.nowNanos();
      if (stallEnd > now) {
        publishGauges(); // a stalled engine still queues what arrives
        LockSupport.parkNanos(Math.min(stallEnd - now, IDLE_PARK_NANOS));
        continue;
      }
      KvCache kv = scheduler.kv();
      kv.setWithheld((int) (kv.numBlocks() * faults.kvBlocksFractionWithheld()));
      scheduler.schedule(plan, now);
      for (int i = 0; i < plan.preempted.size(); i++) {
        metrics.onPreemption();
      }
      for (Sequence s : plan.admitted) {
        metrics.onPrefixCacheQuery(s.promptLength, s.cachedTokens);
      }
      publishGauges();
      if (plan.isEmpty()) {
        LockSupport.parkNanos(IDLE_PARK_NANOS);
        continue;
      }
      long start = clock.nowNanos();
      long end =
          start + config.stepTime().stepNanos(plan, gpus.speedFactor(), faults.prefillSlowdown());
      sleepUntil(end);
      gpus.recordStep(start, clock.nowNanos(), plan.prefillTokens, plan.decodeSequences);
      completeStep(clock.nowNanos());
      publishGauges();
    }
    for (Sequence s : new ArrayList<>(live)) {
      end(s, "abort", clock.nowNanos());
    }
    drainInbox();
    for (Sequence s : new ArrayList<>(live)) {
      end(s, "abort", clock.nowNanos());
    }
  }

  private void takeRequests() {
    long now = clock.nowNanos();
    Sequence s;
    while ((s = inbox.poll()) != null) {
      inboxSize.decrementAndGet();
      s.queuedNanos = now;
      live.add(s);
      scheduler.enqueue(s);
    }
    while ((s = aborts.poll()) != null) {
      if (s.status != Sequence.Status.FINISHED) {
        end(s, "abort", now);
      }
    }
  }

  private void drainInbox() {
    Sequence s;
    while ((s = inbox.poll()) != null) {
      inboxSize.decrementAndGet();
      live.add(s);
    }
  }

  private void completeStep(long now) {
    KvCache kv = scheduler.kv();
    for (int i = 0; i < plan.sequences.size(); i++) {
      Sequence s = plan.sequences.get(i);
      if (s.status != Sequence.Status.RUNNING) {
        continue;
      }
      s.numComputed += plan.tokens[i];
      kv.registerFullBlocks(s);
      if (s.pending() == 0) {
        sample(s, now);
      }
    }
  }

  private void sample(Sequence s, long now) {
    int index = s.numOutput;
    s.appendOutput(TextGenerator.tokenId(s.seed, index));
    if (index == 0) {
      s.firstTokenNanos = now;
      metrics.observeTimeToFirstToken(FinishedRequest.seconds(s.request.arrivalNanos(), now));
      metrics.onPromptTokens(s.promptLength);
    } else {
      metrics.observeInterTokenLatency(FinishedRequest.seconds(s.lastTokenNanos, now));
    }
    s.lastTokenNanos = now;
    metrics.onGenerationTokens(1);
    String finishReason = s.finishReason();
    s.request.observer().onToken(index, TextGenerator.piece(s.seed, index), finishReason);
    if (finishReason != null) {
      end(s, finishReason, now);
    }
  }

  private void end(Sequence s, String finishReason, long now) {
    scheduler.remove(s);
    live.remove(s);
    EngineRequest r = s.request;
    FinishedRequest finished =
        new FinishedRequest(
            r.requestId(),
            model,
            r.arrivalNanos(),
            s.queuedNanos,
            s.scheduledNanos,
            s.firstTokenNanos,
            s.lastTokenNanos,
            now,
            s.promptLength,
            s.numOutput,
            Math.max(0, s.cachedTokens),
            finishReason,
            r.requestedMaxTokens(),
            r.temperature(),
            r.topP(),
            1,
            s.preemptions,
            r.traceparent(),
            r.tracestate());
    metrics.onFinished(finished);
    spans.emit(finished);
    r.observer().onFinished(finished);
  }

  private void publishGauges() {
    running = scheduler.numRunning();
    waiting = scheduler.numWaiting();
    KvCache kv = scheduler.kv();
    kvUsage = kv.usage();
    gpus.setKvBlocksInUse(kv.usedBlocks());
  }

  private void sleepUntil(long deadline) {
    long left;
    while ((left = deadline - clock.nowNanos()) > 0 && !stopping) {
      LockSupport.parkNanos(left);
    }
  }
}
