package dev.infertrace.load;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/** Live counters of a benchmark run, for the progress display; thread-safe. */
public final class BenchProgress {
  final LongAdder ok = new LongAdder();
  final LongAdder failed = new LongAdder();
  private volatile int step;
  private volatile double target;
  private volatile AtomicInteger inFlight = new AtomicInteger();
  private volatile Consumer<RequestRecord> listener = r -> {};

  /** Called with every request as it ends, from the client's threads. */
  public void onRequest(Consumer<RequestRecord> listener) {
    this.listener = listener;
  }

  void ended(RequestRecord r) {
    (r.ok() ? ok : failed).increment();
    listener.accept(r);
  }

  void startStep(int step, double target, AtomicInteger inFlight) {
    this.step = step;
    this.target = target;
    this.inFlight = inFlight;
  }

  public int step() {
    return step;
  }

  public double target() {
    return target;
  }

  public long ok() {
    return ok.sum();
  }

  public long failed() {
    return failed.sum();
  }

  public int inFlight() {
    return inFlight.get();
  }
}
