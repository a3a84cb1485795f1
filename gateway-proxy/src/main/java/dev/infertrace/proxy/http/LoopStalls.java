package dev.infertrace.proxy.http;

import dev.infertrace.proxy.state.Clock;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.concurrent.TimeUnit;

/**
 * When an event loop could not run: a ticker on each loop of a proxy notes every tick that came
 * more than {@link #THRESHOLD_NANOS} late, and an exchange asks, as it ends on its loop, how long
 * that loop stood still while the request was in the proxy. A blocking call on the loop, a long
 * garbage-collection pause or a starved CPU all look the same from inside: time that the spans put
 * into a segment (a relay, a connect, the network to the worker) which the proxy itself lost.
 *
 * <p>Each loop keeps its own last {@link #KEPT} stalls, written and read on that loop's thread
 * only: no locks, no allocation per request. The cost is one task every {@link #PERIOD_NANOS} per
 * loop.
 */
public final class LoopStalls {
  /** How often each loop's ticker runs. */
  static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /**
   * A tick later than this is a stall. Well above what a busy loop's batch of reads and writes
   * takes, well under what a client notices.
   */
  static final long THRESHOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /**
   * How long after a recorded stall's end an event still counts as held by it. The ticker records a
   * stall when it runs after it, and the loop may run it before the I/O the stall held up (the
   * order of a loop's tasks and I/O within one turn is Netty's): an event stamped that moment later
   * was held all the same. A genuinely later event this close after a stall of 20 ms or more is
   * rare, and would be told it waited through the stall it just missed.
   */
  static final long RESUME_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** Stalls kept per loop: the newest, enough for a request's lifetime on a loop that stalls. */
  static final int KEPT = 64;

  private static final FastThreadLocal<LoopStalls> ON_THIS_LOOP = new FastThreadLocal<>();
  private static final long[] NONE = new long[3];
  private static final double[] NONE_SECONDS = new double[3];

  private final long[] from = new long[KEPT];
  private final long[] to = new long[KEPT];
  private int count;
  private long lastTick;

  /**
   * From a stall's recording until the loop has run its next I/O pass: the ticker may run before
   * the I/O the stall held up (Netty orders a turn's tasks and I/O), and that pass, however long,
   * is still the stall's. Meanwhile the newest stall is taken to last until now.
   */
  private boolean resuming;

  /** Starts a ticker on each loop of {@code group}; it stops with the group. */
  public static void watch(EventLoopGroup group) {
    for (EventExecutor loop : group) {
      loop.execute(
          () -> {
            LoopStalls stalls = new LoopStalls();
            stalls.tick();
            ON_THIS_LOOP.set(stalls);
            loop.scheduleWithFixedDelay(
                () -> {
                  stalls.tick();
                  if (stalls.resuming) {
                    // A task scheduled now runs once the loop has gone through its I/O again:
                    // the pass that handles what the stall held up, however long it takes.
                    loop.schedule(() -> stalls.resumed(Clock.now()), 0, TimeUnit.NANOSECONDS);
                  }
                },
                PERIOD_NANOS,
                PERIOD_NANOS,
                TimeUnit.NANOSECONDS);
          });
    }
  }

  /**
   * How long the current loop stood still between {@code startNanos} and {@code endNanos} (epoch
   * nanoseconds, {@link Clock}'s), in seconds: {@code [in all, before startNanos, from startNanos
   * to forwardedNanos]}; zeros off a watched loop. A stall that was going on when the request
   * started counts from its own start: the request's bytes may have waited through all of it before
   * the loop could read them (the second figure: at most that long). The third is the stalls' time
   * after that, until the request went upstream ({@code forwardedNanos}, at most {@code endNanos}):
   * the proxy held the request on its way, at most that long. The array is the caller's to read,
   * not to change (all zeros, it is shared).
   */
  static double[] stalledSeconds(long startNanos, long forwardedNanos, long endNanos) {
    LoopStalls stalls = ON_THIS_LOOP.getIfExists();
    long[] nanos =
        stalls == null ? NONE : stalls.stalled(startNanos, forwardedNanos, endNanos, Clock.now());
    if (nanos == NONE) {
      return NONE_SECONDS; // read only, as NONE: no allocation for a request no stall touched
    }
    double[] seconds = new double[nanos.length];
    for (int i = 0; i < nanos.length; i++) {
      seconds[i] = nanos[i] / 1e9;
    }
    return seconds;
  }

  /** {@link #stalledSeconds}'s figures in nanoseconds, {@code now} being the present. */
  long[] stalled(long startNanos, long forwardedNanos, long endNanos, long now) {
    long all = overlap(startNanos, endNanos, now);
    if (all == 0) {
      return NONE; // the usual case: one pass over the kept stalls, not three
    }
    long beforeRead = overlap(startNanos, startNanos, now);
    long untilForwarded =
        overlap(startNanos, Math.max(startNanos, Math.min(forwardedNanos, endNanos)), now);
    return new long[] {all, beforeRead, Math.max(0, untilForwarded - beforeRead)};
  }

  /**
   * How long the stall just before {@code markNanos} held the event stamped then (a first token,
   * the end of the response), counted from {@code startNanos} at the earliest, in seconds; 0 when
   * no stall did, or off a watched loop. An event stamped on the loop cannot fall inside a stall:
   * one stamped within a stall's recorded span, or up to {@link #RESUME_SLACK_NANOS} after it, came
   * right after it, when the loop ran what the stall had held up (at most that long: it may have
   * come in during the stall).
   */
  static double delaySeconds(long startNanos, long markNanos) {
    LoopStalls stalls = ON_THIS_LOOP.getIfExists();
    return stalls == null ? 0 : stalls.delay(startNanos, markNanos, Clock.now()) / 1e9;
  }

  long delay(long startNanos, long markNanos, long now) {
    long pending = lastTick + PERIOD_NANOS;
    if (lastTick != 0 && now - pending > THRESHOLD_NANOS && pending <= markNanos) {
      return Math.max(0, markNanos - Math.max(pending, startNanos));
    }
    for (int k = count - 1; k >= Math.max(0, count - KEPT); k--) {
      int i = k % KEPT;
      if (from[i] <= markNanos && markNanos <= end(i, now) + RESUME_SLACK_NANOS) {
        return Math.max(0, markNanos - Math.max(from[i], startNanos));
      }
    }
    return 0;
  }

  void tick() {
    tick(Clock.now());
  }

  void tick(long now) {
    if (lastTick != 0 && now - lastTick - PERIOD_NANOS > THRESHOLD_NANOS) {
      record(lastTick + PERIOD_NANOS, now);
      resuming = true;
    }
    lastTick = now;
  }

  /**
   * The loop ran the I/O pass after the newest stall was recorded: that stall ends at {@code now}.
   */
  void resumed(long now) {
    if (resuming && count > 0) {
      int i = (count - 1) % KEPT;
      to[i] = Math.max(to[i], now);
      resuming = false;
    }
  }

  /** Where stall {@code i} ends: the newest, while the loop is resuming from it, lasts till now. */
  private long end(int i, long now) {
    return resuming && i == (count - 1) % KEPT ? Math.max(to[i], now) : to[i];
  }

  void record(long stallStart, long stallEnd) {
    int i = count % KEPT;
    from[i] = stallStart;
    to[i] = stallEnd;
    count++;
  }

  /**
   * The stalls' time between the two instants, {@code now} being the present on this loop: a stall
   * that has just ended is not recorded yet (the loop runs the I/O it held up before the ticker),
   * and counts too.
   */
  long overlap(long startNanos, long endNanos, long now) {
    long total = 0;
    long pending = lastTick + PERIOD_NANOS;
    if (lastTick != 0 && now - pending > THRESHOLD_NANOS && pending < endNanos) {
      total += Math.min(now, endNanos) - pending;
    }
    for (int k = Math.max(0, count - KEPT); k < count; k++) {
      int i = k % KEPT;
      long to = end(i, now);
      if (to > startNanos && from[i] < endNanos) {
        total += Math.min(to, endNanos) - from[i];
      }
    }
    return total;
  }
}
