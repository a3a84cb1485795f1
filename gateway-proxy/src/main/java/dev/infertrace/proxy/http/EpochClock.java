package dev.infertrace.proxy.http;

import java.time.Instant;

/** Monotonic nanoseconds since the epoch: safe to subtract, usable as span timestamps. */
final class EpochClock {
  private static final long OFFSET;

  static {
    Instant now = Instant.now();
    OFFSET = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
  }

  private EpochClock() {}

  static long now() {
    return System.nanoTime() + OFFSET;
  }
}
