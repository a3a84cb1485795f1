package dev.infertrace.proxy.http;

import dev.infertrace.core.stream.Latencies;

/**
 * When each {@link Phase} of one exchange began, and the two waits inside the response that are not
 * the upstream's: the head held for the EPP's answer, and the relay stalled on a client that does
 * not read. From them, the exchange's time as {@link Segments} that add up to it exactly. One event
 * loop.
 */
final class PhaseClock {
  private static final long NEVER = Long.MIN_VALUE;
  private final long[] started = new long[Phase.values().length];
  private long eppResponseNanos;
  private long clientStallNanos;
  private long deliveredNanos;

  PhaseClock(long receivedNanos) {
    java.util.Arrays.fill(started, NEVER);
    started[Phase.RECEIVING.ordinal()] = receivedNanos;
  }

  /** The exchange entered {@code phase} at {@code now} (the first time counts). */
  void enter(Phase phase, long now) {
    if (started[phase.ordinal()] == NEVER) {
      started[phase.ordinal()] = now;
    }
  }

  /** The response head waited this long for the EPP's answer to it. */
  void eppResponse(long nanos) {
    eppResponseNanos += Math.max(0, nanos);
  }

  /** When the client's connection took the last part, or 0 before (or without) that. */
  long deliveredNanos() {
    return deliveredNanos;
  }

  /** The client's connection took the response's last part at {@code now}. */
  void delivered(long now) {
    deliveredNanos = now;
  }

  /** The relay waited this long for the client to take what was written. */
  void clientStall(long nanos) {
    clientStallNanos += Math.max(0, nanos);
  }

  /**
   * The exchange from its start to {@code endNanos}, split by phase; NaN for a segment whose phase
   * never came. The segments that are not NaN add up to the whole.
   */
  Segments segments(long endNanos) {
    double[] d = new double[Phase.DONE.ordinal()];
    for (int p = 0; p < d.length; p++) {
      long from = started[p];
      if (from == NEVER) {
        d[p] = Double.NaN;
        continue;
      }
      long to = endNanos;
      for (int q = p + 1; q < d.length; q++) {
        if (started[q] != NEVER) {
          to = started[q];
          break;
        }
      }
      d[p] = Latencies.seconds(Math.max(0, Math.min(to, endNanos) - from));
    }
    double streaming = d[Phase.STREAMING.ordinal()];
    double epp = Double.NaN;
    double stall = Double.NaN;
    if (!Double.isNaN(streaming)) {
      // Inside the response: the EPP's hold and the client's stalls, the rest is the relay.
      epp = Math.min(streaming, Latencies.seconds(eppResponseNanos));
      stall = Math.min(streaming - epp, Latencies.seconds(clientStallNanos));
      streaming -= epp + stall;
    }
    double delivering = d[Phase.DELIVERING.ordinal()];
    if (!Double.isNaN(delivering)) {
      // Handing the last part to a client that does not read is a wait on the client too.
      stall = (Double.isNaN(stall) ? 0 : stall) + delivering;
    }
    return new Segments(
        d[Phase.RECEIVING.ordinal()],
        d[Phase.ROUTING.ordinal()],
        d[Phase.CONNECTING.ordinal()],
        d[Phase.WAITING.ordinal()],
        epp,
        streaming,
        stall);
  }

  /**
   * One exchange's time by segment, seconds; NaN where a segment did not happen.
   *
   * @param requestRead head received → the request could be forwarded (body read, sniffed)
   * @param route waiting for the EPP's routing answer (the gateway only)
   * @param connect taking a pooled upstream connection or opening one
   * @param upstreamHead request sent → the upstream's response head
   * @param eppResponse the response head held for the EPP's answer to it (the gateway only)
   * @param relay the response body relayed as the upstream sent it
   * @param clientSlowRead the relay waiting for a client that did not read
   */
  record Segments(
      double requestRead,
      double route,
      double connect,
      double upstreamHead,
      double eppResponse,
      double relay,
      double clientSlowRead) {}
}
