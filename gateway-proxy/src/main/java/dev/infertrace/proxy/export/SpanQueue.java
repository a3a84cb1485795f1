package dev.infertrace.proxy.export;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The one bounded queue between every span the process makes or relays and its exporter, counting
 * each span once on the way in ({@code created}) and once on the way out: {@code exported}, or
 * dropped because the queue was full, the export failed, or the queue was shut down. So {@code
 * created = exported + dropped + queued} at every moment, and {@code queued} is 0 after a flush.
 *
 * <p>It does what the SDK's {@code BatchSpanProcessor} does (batches of {@code maxExportBatchSize}
 * sent every {@code scheduleDelay} or as soon as a batch is full, from one daemon thread), and adds
 * what that one lacks: spans made elsewhere — vLLM's, received by the worker — enter the same queue
 * through {@link #relay()}, and queue-full drops are counted. Producers never block. Thread-safe.
 *
 * <p>Up to {@code maxConcurrentExports} batches are in flight at once: while the receiver answers
 * one, the next is marshalled and sent. One at a time (the SDK's way), the queue waited for each
 * round trip, so a busy receiver kept spans queued (and alive through young collections) for
 * hundreds of milliseconds, and at saturation it filled.
 */
public final class SpanQueue implements SpanProcessor {
  /** The ways a span is lost, each a {@code reason} label on {@code /metrics}. */
  public enum Drop {
    QUEUE_FULL("queue_full"),
    EXPORT_FAILED("export_failed"),
    SHUTDOWN("shutdown");

    private final String label;

    Drop(String label) {
      this.label = label;
    }

    /** The {@code reason} label. */
    public String label() {
      return label;
    }
  }

  /** A consistent-enough reading of the counters (each is read once, not atomically together). */
  public record Counts(
      long created, long exported, long queueFull, long exportFailed, long shutdown, long queued) {
    /** All zero: the counts of a process whose spans go through no queue of ours. */
    public static final Counts NONE = new Counts(0, 0, 0, 0, 0, 0);

    /** Dropped spans for one reason. */
    public long dropped(Drop reason) {
      return switch (reason) {
        case QUEUE_FULL -> queueFull;
        case EXPORT_FAILED -> exportFailed;
        case SHUTDOWN -> shutdown;
      };
    }
  }

  /** Batches in flight at once unless the builder says otherwise. */
  public static final int DEFAULT_CONCURRENT_EXPORTS = 2;

  private final SpanExporter exporter;
  private final int maxBatch;
  private final long delayNanos;
  private final long exportTimeoutNanos;
  private final int maxInFlight;

  /** Batches sent and not yet answered, oldest first; the worker thread's only. */
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();

  private final ArrayBlockingQueue<Object> queue;
  private final Queue<CompletableResultCode> flushes = new ConcurrentLinkedQueue<>();
  private final LongAdder created = new LongAdder();
  private final LongAdder exported = new LongAdder();
  private final LongAdder[] dropped = {new LongAdder(), new LongAdder(), new LongAdder()};
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CompletableResultCode stopped = new CompletableResultCode();
  private final Thread worker;
  private volatile boolean parked;
  private final AtomicInteger inExport = new AtomicInteger();

  private SpanQueue(Builder b) {
    this.exporter = b.exporter;
    this.maxBatch = b.maxExportBatchSize;
    this.delayNanos = b.scheduleDelay.toNanos();
    this.exportTimeoutNanos = b.exportTimeout.toNanos();
    this.maxInFlight = b.maxConcurrentExports;
    this.queue = new ArrayBlockingQueue<>(b.maxQueueSize);
    this.worker = new Thread(this::run, "infertrace-span-queue");
    worker.setDaemon(true);
    worker.start();
  }

  public static Builder builder(SpanExporter exporter) {
    return new Builder(exporter);
  }

  /**
   * An exporter whose {@code export} puts the spans into this queue (counted as created, like the
   * spans ended here) and succeeds at once; flush and shutdown do nothing (the queue's own do).
   */
  public SpanExporter relay() {
    return SpanExporters.of(
        spans -> {
          for (SpanData s : spans) {
            offer(s);
          }
          return CompletableResultCode.ofSuccess();
        });
  }

  public Counts counts() {
    return new Counts(
        created.sum(),
        exported.sum(),
        dropped[Drop.QUEUE_FULL.ordinal()].sum(),
        dropped[Drop.EXPORT_FAILED.ordinal()].sum(),
        dropped[Drop.SHUTDOWN.ordinal()].sum(),
        queue.size() + inExport.get());
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {}

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (span.getSpanContext().isSampled()) {
      offer(span);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  private void offer(Object span) {
    created.increment();
    if (stopping.get()) {
      dropped[Drop.SHUTDOWN.ordinal()].increment();
    } else if (!queue.offer(span)) {
      dropped[Drop.QUEUE_FULL.ordinal()].increment();
    } else if (parked && queue.size() >= maxBatch) {
      LockSupport.unpark(worker);
    }
  }

  /** Exports everything queued now; completes when it was sent (or failed). */
  @Override
  public CompletableResultCode forceFlush() {
    if (stopping.get()) {
      return CompletableResultCode.ofSuccess();
    }
    CompletableResultCode done = new CompletableResultCode();
    flushes.add(done);
    LockSupport.unpark(worker);
    return done;
  }

  /** Exports what is queued, stops the thread, shuts the exporter down; idempotent. */
  @Override
  public CompletableResultCode shutdown() {
    if (stopping.compareAndSet(false, true)) {
      LockSupport.unpark(worker);
    }
    return stopped;
  }

  private void run() {
    List<Object> batch = new ArrayList<>(maxBatch);
    long due = System.nanoTime() + delayNanos;
    while (true) {
      boolean stop = stopping.get();
      int pendingFlushes = flushes.size();
      long now = System.nanoTime();
      if (stop || pendingFlushes > 0 || now - due >= 0 || queue.size() >= maxBatch) {
        // Everything queued goes out in full batches (all of it for a flush or the shutdown).
        do {
          // A slot first, then the spans: drained spans are counted as queued only in flight.
          awaitInFlight(maxInFlight - 1);
          batch.clear();
          queue.drainTo(batch, maxBatch);
          export(batch);
        } while ((stop || pendingFlushes > 0 || queue.size() >= maxBatch) && !queue.isEmpty());
        if (stop || pendingFlushes > 0) {
          awaitInFlight(0); // a flush is over when what it covered was answered
        }
        for (int i = 0; i < pendingFlushes; i++) {
          flushes.remove().succeed();
        }
        due = System.nanoTime() + delayNanos;
        if (stop) {
          break;
        }
        continue;
      }
      parked = true;
      if (queue.size() < maxBatch && flushes.isEmpty() && !stopping.get()) {
        LockSupport.parkNanos(this, due - now);
      }
      parked = false;
    }
    CompletableResultCode f;
    while ((f = flushes.poll()) != null) {
      f.succeed();
    }
    exporter.shutdown().whenComplete(stopped::succeed);
  }

  private void export(List<Object> batch) {
    int n = batch.size();
    if (n == 0) {
      return;
    }
    inExport.addAndGet(n);
    List<SpanData> data = new ArrayList<>(n);
    for (Object o : batch) {
      data.add(o instanceof ReadableSpan r ? r.toSpanData() : (SpanData) o);
    }
    CompletableResultCode result = send(data);
    InFlight sent = new InFlight(result, n, System.nanoTime() + exportTimeoutNanos);
    inFlight.add(sent);
    result.whenComplete(() -> sent.settle(result.isSuccess()));
  }

  private CompletableResultCode send(List<SpanData> data) {
    try {
      return exporter.export(data);
    } catch (RuntimeException e) {
      return CompletableResultCode.ofFailure(); // telemetry never throws into anyone: counted
    }
  }

  /**
   * Waits until at most {@code most} batches are in flight, whichever is answered first; a batch
   * not answered within the export timeout is counted as failed (its late answer counts nothing).
   */
  private void awaitInFlight(int most) {
    while (true) {
      inFlight.removeIf(InFlight::settled);
      if (inFlight.size() <= most) {
        return;
      }
      InFlight oldest = inFlight.peek();
      long left = oldest.deadline - System.nanoTime();
      if (left <= 0) {
        oldest.settle(oldest.result.isDone() && oldest.result.isSuccess());
      } else {
        LockSupport.parkNanos(this, left); // an answer unparks this thread
      }
    }
  }

  /** One batch handed to the exporter: counted exactly once, when answered or given up on. */
  private final class InFlight {
    final CompletableResultCode result;
    final int spans;
    final long deadline;
    private final AtomicBoolean counted = new AtomicBoolean();

    InFlight(CompletableResultCode result, int spans, long deadline) {
      this.result = result;
      this.spans = spans;
      this.deadline = deadline;
    }

    void settle(boolean ok) {
      if (counted.compareAndSet(false, true)) {
        (ok ? exported : dropped[Drop.EXPORT_FAILED.ordinal()]).add(spans);
        inExport.addAndGet(-spans);
        LockSupport.unpark(worker); // it may wait for a slot
      }
    }

    boolean settled() {
      return counted.get();
    }
  }

  /**
   * Builds a {@link SpanQueue}; defaults are the proxy's ({@code ProxyTelemetry}): 16384 queued,
   * batches of 2048, every 5 s, 30 s per export, two in flight.
   */
  public static final class Builder {
    private final SpanExporter exporter;
    private int maxQueueSize = 16384;
    private int maxExportBatchSize = 2048;
    private Duration scheduleDelay = Duration.ofSeconds(5);
    private Duration exportTimeout = Duration.ofSeconds(30);
    private int maxConcurrentExports = DEFAULT_CONCURRENT_EXPORTS;

    private Builder(SpanExporter exporter) {
      this.exporter = requireNonNull(exporter, "exporter");
    }

    public Builder maxQueueSize(int spans) {
      if (spans < 1) {
        throw new IllegalArgumentException("maxQueueSize must be >= 1, got " + spans);
      }
      this.maxQueueSize = spans;
      return this;
    }

    public Builder maxExportBatchSize(int spans) {
      if (spans < 1) {
        throw new IllegalArgumentException("maxExportBatchSize must be >= 1, got " + spans);
      }
      this.maxExportBatchSize = spans;
      return this;
    }

    public Builder scheduleDelay(Duration delay) {
      if (delay.isNegative()) {
        throw new IllegalArgumentException("scheduleDelay must be >= 0, got " + delay);
      }
      this.scheduleDelay = delay;
      return this;
    }

    public Builder exportTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("exportTimeout must be > 0, got " + timeout);
      }
      this.exportTimeout = timeout;
      return this;
    }

    /** How many batches may await the receiver's answer at once (default 2; 1 is the SDK's). */
    public Builder maxConcurrentExports(int batches) {
      if (batches < 1) {
        throw new IllegalArgumentException("maxConcurrentExports must be >= 1, got " + batches);
      }
      this.maxConcurrentExports = batches;
      return this;
    }

    /** Starts the queue's thread. */
    public SpanQueue build() {
      return new SpanQueue(this);
    }
  }
}
