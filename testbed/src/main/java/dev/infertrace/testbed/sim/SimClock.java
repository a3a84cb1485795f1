package dev.infertrace.testbed.sim;

/**
 * The twin's one clock: monotonic nanoseconds anchored to the epoch at start, so that a reading is
 * both safe to subtract (it never jumps) and usable as an OpenTelemetry span timestamp.
 *
 * <p>Thread-safe. Tests may subclass-free replace it with {@link #manual(long)}.
 */
public abstract class SimClock {

  /** The system clock: {@code System.nanoTime()} offset to the wall clock once per JVM. */
  public static SimClock system() {
    return new SystemClock();
  }

  /** A clock that only moves when told to, for deterministic tests. */
  public static ManualClock manual(long startEpochNanos) {
    return new ManualClock(startEpochNanos);
  }

  /** Now, in nanoseconds since the epoch (monotonic). */
  public abstract long nowNanos();

  /** The proxy's clock: twins and proxies in one JVM (the demo, the tests) share a time base. */
  private static final class SystemClock extends SimClock {
    @Override
    public long nowNanos() {
      return dev.infertrace.proxy.state.Clock.now();
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
