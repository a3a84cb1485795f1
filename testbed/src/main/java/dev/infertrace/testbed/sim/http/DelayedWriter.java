package dev.infertrace.testbed.sim.http;

import dev.infertrace.testbed.sim.fault.FaultSchedule;
import io.netty.channel.Channel;
import java.util.concurrent.TimeUnit;

/**
 * Writes a response to its channel, late when a {@code network-delay} fault is in force, and always
 * in order: a write never overtakes one that was delayed before it. One per response; used on the
 * channel's event loop only.
 */
final class DelayedWriter {
  private final Channel channel;
  private final FaultSchedule faults;
  private long lastDeadline;

  DelayedWriter(Channel channel, FaultSchedule faults) {
    this.channel = channel;
    this.faults = faults;
  }

  Channel channel() {
    return channel;
  }

  void write(Object msg) {
    send(msg, false);
  }

  void writeAndFlush(Object msg) {
    send(msg, true);
  }

  private void send(Object msg, boolean flush) {
    long now = System.nanoTime();
    long deadline = Math.max(now + faults.responseDelayNanos(), lastDeadline);
    if (deadline <= now) {
      if (flush) {
        channel.writeAndFlush(msg);
      } else {
        channel.write(msg);
      }
      return;
    }
    lastDeadline = deadline;
    channel
        .eventLoop()
        .schedule(
            () -> {
              if (flush) {
                channel.writeAndFlush(msg);
              } else {
                channel.write(msg);
              }
            },
            deadline - now,
            TimeUnit.NANOSECONDS);
  }
}
