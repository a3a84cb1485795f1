package dev.infertrace.proxy.epp;

import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * After a failed call to an EPP: lets the channel try to connect again at once (at most once a
 * second) rather than after gRPC's growing backoff, which reaches tens of seconds while an EPP is
 * down, so a restarted EPP is used within a second.
 */
final class Reconnects {
  private static final long EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final ManagedChannel channel;
  private final AtomicLong last = new AtomicLong();

  Reconnects(ManagedChannel channel) {
    this.channel = channel;
  }

  void afterFailure() {
    long now = System.nanoTime();
    long before = last.get();
    if (now - before > EVERY_NANOS && last.compareAndSet(before, now)) {
      channel.resetConnectBackoff();
    }
  }
}
