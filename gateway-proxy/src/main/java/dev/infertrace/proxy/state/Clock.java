package dev.infertrace.proxy.state;

import java.time.Instant;

/** Monotonic epoch nanoseconds, the time base of spans and state samples alike. */
public final class Clock {
  private static final long OFFSET;

  static {
    Instant now = Instant.now();
    OFFSET = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
  }

  private Clock() {}

  public static long now() {
    return System.nanoTime() + OFFSET;
  }
}
