package dev.infertrace.testbed.load;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What a load run measured, recorded from the event loops and read by the progress display.
 * Latencies in microseconds in HdrHistograms (3 significant digits); thread-safe.
 *
 * <p>Definitions (the ones guidellm and vLLM's bench use): TTFT is the time from sending the
 * request to the first chunk that carries a token (the role-only chunk is not one); ITL is the gap
 * between consecutive token chunks; E2E is send to the end of the response.
 */
public final class LoadStats {
  private static final long MAX_MICROS = 3_600_000_000L;

  final LongAdder sent = new LongAdder();
  final LongAdder ok = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder chunks = new LongAdder();
  private final Recorder ttft = new Recorder(MAX_MICROS, 3);
  private final Recorder itl = new Recorder(MAX_MICROS, 3);
  private final Recorder e2e = new Recorder(MAX_MICROS, 3);
  private final Histogram ttftTotal = new Histogram(MAX_MICROS, 3);
  private final Histogram itlTotal = new Histogram(MAX_MICROS, 3);
  private final Histogram e2eTotal = new Histogram(MAX_MICROS, 3);
  private volatile String lastError;

  void recordTtft(long nanos) {
    ttft.recordValue(micros(nanos));
  }

  void recordItl(long nanos) {
    itl.recordValue(micros(nanos));
  }

  void recordEnd(long nanos) {
    e2e.recordValue(micros(nanos));
    ok.increment();
  }

  void recordFailure(String why) {
    failed.increment();
    lastError = why;
  }

  /** The last failure's description, or null. */
  public String lastError() {
    return lastError;
  }

  public long ok() {
    return ok.sum();
  }

  public long failed() {
    return failed.sum();
  }

  public long chunks() {
    return chunks.sum();
  }

  /** Moves what was recorded since the last call into the run's totals; returns this interval. */
  public synchronized Interval interval() {
    Histogram t = ttft.getIntervalHistogram();
    Histogram i = itl.getIntervalHistogram();
    Histogram e = e2e.getIntervalHistogram();
    ttftTotal.add(t);
    itlTotal.add(i);
    e2eTotal.add(e);
    return new Interval(t, i, e);
  }

  /** Totals of the whole run (call {@link #interval()} once more first). */
  public synchronized Interval totals() {
    return new Interval(ttftTotal.copy(), itlTotal.copy(), e2eTotal.copy());
  }

  /** Latency histograms, in microseconds. */
  public record Interval(Histogram ttft, Histogram itl, Histogram e2e) {}

  private static long micros(long nanos) {
    return Math.min(MAX_MICROS, Math.max(0, nanos / 1000));
  }
}
