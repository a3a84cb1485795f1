package dev.infertrace.proxy.http;

import java.util.concurrent.atomic.LongAdder;

/** Counters of what the proxy did and refused, by kind; read by the admin endpoint and tests. */
public final class ProxyStats {
  final LongAdder requests = new LongAdder();
  final LongAdder upstreamUnavailable = new LongAdder();
  final LongAdder upstreamTimeouts = new LongAdder();
  final LongAdder upstreamResets = new LongAdder();
  final LongAdder requestTimeouts = new LongAdder();
  final LongAdder malformedRequests = new LongAdder();
  final LongAdder cancelled = new LongAdder();
  final LongAdder eppFailures = new LongAdder();

  public long requests() {
    return requests.sum();
  }

  public long upstreamUnavailable() {
    return upstreamUnavailable.sum();
  }

  public long upstreamTimeouts() {
    return upstreamTimeouts.sum();
  }

  public long upstreamResets() {
    return upstreamResets.sum();
  }

  public long requestTimeouts() {
    return requestTimeouts.sum();
  }

  public long malformedRequests() {
    return malformedRequests.sum();
  }

  /** Requests the EPP gave no routing answer for (sent round-robin or refused, by policy). */
  public long eppFailures() {
    return eppFailures.sum();
  }

  public long cancelled() {
    return cancelled.sum();
  }
}
