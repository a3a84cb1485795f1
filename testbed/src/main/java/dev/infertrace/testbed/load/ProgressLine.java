package dev.infertrace.testbed.load;

import java.time.Duration;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The once-a-second progress line of a load run: requests, rates and the interval's TTFT and ITL
 * percentiles. Call {@link #next} from one thread.
 */
public final class ProgressLine {
  private final LoadStats stats;
  private long lastChunks;
  private long lastOk;
  private long lastNanos;

  public ProgressLine(LoadStats stats) {
    this.stats = stats;
  }

  /** The line for the interval ending at {@code elapsed}. */
  public String next(Duration elapsed) {
    LoadStats.Interval i = stats.interval();
    long chunks = stats.chunks();
    long ok = stats.ok();
    double seconds = Math.max(1e-3, (elapsed.toNanos() - lastNanos) / 1e9);
    String line =
        String.format(
            Locale.ROOT,
            "[%5.1fs] %6d ok %4d failed  %6.1f req/s  %8.0f chunks/s  TTFT p50 %s p99 %s  ITL p50 %s p99 %s",
            elapsed.toMillis() / 1000.0,
            ok,
            stats.failed(),
            (ok - lastOk) / seconds,
            (chunks - lastChunks) / seconds,
            ms(i.ttft(), 50),
            ms(i.ttft(), 99),
            ms(i.itl(), 50),
            ms(i.itl(), 99));
    lastChunks = chunks;
    lastOk = ok;
    lastNanos = elapsed.toNanos();
    return line;
  }

  /** A percentile in milliseconds, or {@code -} when nothing was recorded. */
  public static String ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0
        ? "-"
        : String.format(Locale.ROOT, "%.1fms", h.getValueAtPercentile(percentile) / 1000.0);
  }
}
