package dev.infertrace.load;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one step of a sweep: warm-up, the measured window, cool-down, then waits for the requests
 * still in flight. A request's phase is decided when it is sent.
 */
final class StepRunner {
  private final HttpClient client;
  private final BenchConfig config;
  private final Prompts prompts;
  private final long originNanos;
  private final AtomicLong ids;
  private final BenchProgress progress;
  private final Queue<RequestRecord> records = new ConcurrentLinkedQueue<>();
  private final Queue<CompletableFuture<RequestRecord>> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  private int step;
  private long measureStart;
  private long measureEnd;
  private long sendUntil;
  private long measuredSent;

  StepRunner(
      HttpClient client,
      BenchConfig config,
      Prompts prompts,
      long originNanos,
      AtomicLong ids,
      BenchProgress progress) {
    this.client = client;
    this.config = config;
    this.prompts = prompts;
    this.originNanos = originNanos;
    this.ids = ids;
    this.progress = progress;
  }

  /** The step's records (all phases, by id) and its summary. */
  record Result(List<RequestRecord> records, StepSummary summary) {}

  Result run(int index, double target) throws InterruptedException {
    step = index;
    long start = System.nanoTime();
    synchronized (this) {
      measureStart = start + config.warmup().toNanos();
      measureEnd =
          config.requests() > 0 ? Long.MAX_VALUE : measureStart + config.duration().toNanos();
      sendUntil = config.requests() > 0 ? Long.MAX_VALUE : measureEnd + config.cooldown().toNanos();
    }
    progress.startStep(index, target, inFlight);
    if (config.shape().openLoop()) {
      openLoop(target, start);
    } else {
      for (int i = 0; i < (int) target; i++) {
        pending.add(new CompletableFuture<>()); // one per user, completed when it stops
      }
      List<CompletableFuture<RequestRecord>> users = new ArrayList<>(pending);
      pending.clear();
      users.forEach(this::user);
      await(users);
    }
    await(new ArrayList<>(pending));
    List<RequestRecord> sorted = new ArrayList<>(records);
    sorted.sort(Comparator.comparingLong(RequestRecord::id));
    long windowEnd;
    synchronized (this) {
      windowEnd = Math.min(measureEnd, System.nanoTime());
    }
    StepSummary summary =
        StepSummary.of(
            config, index, target, sorted, ms(measureStart), ms(Math.max(windowEnd, measureStart)));
    return new Result(sorted, summary);
  }

  /** Stops sending now (Ctrl-C): the window ends here. */
  synchronized void stop() {
    long now = System.nanoTime();
    measureEnd = Math.min(measureEnd, now);
    sendUntil = Math.min(sendUntil, now);
  }

  private void user(CompletableFuture<RequestRecord> stopped) {
    CompletableFuture<RequestRecord> sent = send();
    if (sent == null) {
      stopped.complete(null);
      return;
    }
    // next request from another thread, so a run of failures that complete at once cannot nest;
    // a refused connection waits a little before the next try, as a client's back-off would
    sent.whenComplete(
        (r, e) ->
            (r != null && "connect".equals(r.error())
                    ? CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)
                    : ForkJoinPool.commonPool())
                .execute(() -> user(stopped)));
  }

  private void openLoop(double rate, long start) throws InterruptedException {
    SplittableRandom random = new SplittableRandom(config.seed() * 7919 + step);
    long next = start;
    while (true) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        continue;
      }
      if (inFlight.get() >= config.maxInFlight()) {
        long now = System.nanoTime();
        String phase = phase(now);
        if (phase == null) {
          return;
        }
        double at = ms(now);
        RequestRecord dropped =
            new RequestRecord(
                step,
                ids.getAndIncrement(),
                phase,
                "",
                at,
                at,
                null,
                null,
                0,
                List.of(),
                0,
                0,
                false,
                0,
                "client_saturated",
                "--max-in-flight " + config.maxInFlight() + " requests already in flight");
        records.add(dropped);
        progress.ended(dropped);
      } else if (send() == null) {
        return;
      }
      double gap =
          config.shape() == BenchConfig.Shape.POISSON
              ? -Math.log(1 - random.nextDouble()) / rate
              : 1 / rate;
      next += (long) (gap * 1e9);
    }
  }

  /** Sends the next request, or returns null when the step sends no more. */
  private CompletableFuture<RequestRecord> send() {
    long now = System.nanoTime();
    String phase = phase(now);
    if (phase == null) {
      return null;
    }
    long id = ids.getAndIncrement();
    inFlight.incrementAndGet();
    CompletableFuture<RequestRecord> f =
        OpenAiCall.send(client, config, prompts.body(id), originNanos, now, step, id, phase)
            .whenComplete(
                (r, e) -> {
                  inFlight.decrementAndGet();
                  records.add(r);
                  progress.ended(r);
                });
    pending.add(f);
    return f;
  }

  /** The phase of a request sent at {@code now}, or null when the step sends no more. */
  private synchronized String phase(long now) {
    if (now >= sendUntil) {
      return null;
    }
    if (now < measureStart) {
      return "warmup";
    }
    if (now < measureEnd) {
      if (config.requests() > 0 && ++measuredSent >= config.requests()) {
        measureEnd = now;
        sendUntil = now + config.cooldown().toNanos();
      }
      return RequestRecord.MEASURED;
    }
    return "cooldown";
  }

  private void await(List<CompletableFuture<RequestRecord>> futures) throws InterruptedException {
    try {
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
          .get(
              config.requestTimeout().toMillis() + config.duration().toMillis() + 60_000,
              TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      throw new IllegalStateException("requests did not end: " + e, e);
    }
  }

  private double ms(long nanos) {
    return (nanos - originNanos) / 1e6;
  }
}
