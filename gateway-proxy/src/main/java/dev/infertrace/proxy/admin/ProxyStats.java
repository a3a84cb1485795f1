package dev.infertrace.proxy.admin;

import dev.infertrace.proxy.failure.ProxyFailure;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters of what the proxy did and refused, by kind; read by the admin endpoint and tests. */
public final class ProxyStats {
  private final LongAdder requests = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final Map<ProxyFailure, LongAdder> failures = new EnumMap<>(ProxyFailure.class);

  public ProxyStats() {
    for (ProxyFailure f : ProxyFailure.values()) {
      failures.put(f, new LongAdder());
    }
  }

  /** Counts one request received. */
  public void request() {
    requests.increment();
  }

  /** Counts one request the client abandoned. */
  public void cancel() {
    cancelled.increment();
  }

  /** Counts one failure of {@code kind}. */
  public void count(ProxyFailure kind) {
    failures.get(kind).increment();
  }

  /** Failures of one kind so far. */
  public long failures(ProxyFailure kind) {
    return failures.get(kind).sum();
  }

  /** Failures counted under one {@code kind} label of {@code infertrace_proxy_errors_total}. */
  public long failures(String metricLabel) {
    long n = 0;
    for (ProxyFailure f : ProxyFailure.values()) {
      if (f.metricLabel().equals(metricLabel)) {
        n += failures.get(f).sum();
      }
    }
    return n;
  }

  public long requests() {
    return requests.sum();
  }

  public long upstreamUnavailable() {
    return failures(ProxyFailure.UPSTREAM_UNAVAILABLE);
  }

  public long upstreamTimeouts() {
    return failures(ProxyFailure.UPSTREAM_TIMEOUT);
  }

  public long upstreamResets() {
    return failures(ProxyFailure.UPSTREAM_RESET);
  }

  public long requestTimeouts() {
    return failures(ProxyFailure.REQUEST_TIMEOUT);
  }

  /** Requests refused as unreadable or too large. */
  public long malformedRequests() {
    return failures(ProxyFailure.INVALID_REQUEST.metricLabel());
  }

  /**
   * Requests the EPP gave no usable routing answer for (sent round-robin or refused, by policy).
   */
  public long eppFailures() {
    return failures(ProxyFailure.EPP_UNAVAILABLE.metricLabel());
  }

  public long cancelled() {
    return cancelled.sum();
  }
}
