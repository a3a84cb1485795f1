package dev.infertrace.testbed.sim;

import java.time.Instant;

/**
 * The twin's one clock: monotonic nanoseconds anchored to the epoch at start, so that a reading is
 * both safe to subtract (it never jumps) and usable as an OpenTelemetry span timestamp.
 *
 * <p>Thread-safe. Tests may subclass-free replace it with {@link #manual(long)}.
 */
public abstract class SimClock {

  /** The system clock: {@code System.nanoTime()} offset to the wall clock once, at creation. */
  public static SimClock system() {
    return new SystemClock();
  }

  /** A clock that only moves when told to, for deterministic tests. */
  public static ManualClock manual(long startEpochNanos) {
    return new ManualClock(startEpochNanos);
  }

  /** Now, in nanoseconds since the epoch (monotonic). */
  public abstract long nowNanos();

  private static final class SystemClock extends SimClock {
    private final long offset;

    SystemClock() {
      Instant now = Instant.now();
      long epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
      offset = epochNanos - System.nanoTime();
    }

    @Override
    public long nowNanos() {
      return System.nanoTime() + offset;
    }
  }

  /** A manually advanced clock. */
  public static final class ManualClock extends SimClock {
    private volatile long now;

    private ManualClock(long startEpochNanos) {
      this.now = startEpochNanos;
    }

    @Override
    public long nowNanos() {
      return now;
    }

    /** Moves the clock forward by {@code nanos} (must be ≥ 0). */
    public synchronized void advance(long nanos) {
      if (nanos < 0) {
        throw new IllegalArgumentException("cannot move the clock back: " + nanos);
      }
      now += nanos;
    }
  }
}
