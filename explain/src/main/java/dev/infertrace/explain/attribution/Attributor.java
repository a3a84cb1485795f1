package dev.infertrace.explain.attribution;

import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.core.schema.SpanNames;
import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.Trace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Splits a request's ingress SERVER span into {@link Segment}s that add up to it exactly: the
 * ingress's own segments ({@code llm.segment.*}), then the hop to the worker (its SERVER span
 * placed inside the ingress's forward window), the worker's own segments and the engine's phases,
 * and the waits the ingress saw on its side of the stream. Times of another host are clamped into
 * the ingress's window, and a shift of more than a millisecond is noted as clock skew: the sum
 * stays exact, the split between network and worker is then approximate.
 */
public final class Attributor {
  private static final long SKEW_NOTE_NANOS = 1_000_000;
  private static final Set<String> PHASES =
      Set.of(SpanNames.QUEUE, SpanNames.PREFILL, SpanNames.DECODE, SpanNames.FIRST_TOKEN_WAIT);
  private static final String ROLE_INGRESS = "ingress";
  private static final String ROLE_WORKER = "worker";

  private Attributor() {}

  /** The request's attribution, or empty when the trace has no ingress SERVER span. */
  public static Optional<Attribution> attribute(Trace trace) {
    return ingress(trace).map(in -> attribute(trace, in));
  }

  /** The ingress SERVER span of a request's trace. */
  public static Optional<SpanRecord> ingress(Trace trace) {
    return trace.find(
        s -> s.kind() == SpanRecord.KIND_SERVER && ROLE_INGRESS.equals(s.text(LlmAttributes.ROLE)));
  }

  private static Attribution attribute(Trace trace, SpanRecord in) {
    List<Segment> out = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    long d = in.endNanos() - in.startNanos();
    if (Double.isNaN(in.number(LlmAttributes.SEGMENT_REQUEST_READ))) {
      notes.add("the ingress span has no llm.segment.* attributes: its time cannot be split");
      out.add(new Segment(Segment.unobserved("client", "ingress"), d / 1e9));
      return new Attribution(trace.traceId(), d / 1e9, out, notes);
    }
    Budget b = new Budget(d);
    long read = b.take(nanos(in, LlmAttributes.SEGMENT_REQUEST_READ));
    long route = b.take(nanos(in, LlmAttributes.SEGMENT_ROUTE));
    long connect = b.take(nanos(in, LlmAttributes.SEGMENT_CONNECT));
    add(out, Segment.CLIENT_REQUEST_READ, read);
    add(out, Segment.ROUTE, route);
    add(out, Segment.UPSTREAM_CONNECT, connect);
    long eppWait = nanos(in, LlmAttributes.SEGMENT_EPP_RESPONSE);
    long slowClient = nanos(in, LlmAttributes.SEGMENT_CLIENT_SLOW_READ);
    long forwarded = in.startNanos() + read + route + connect;

    SpanRecord worker = worker(trace, in);
    if (worker == null) {
      long rest = b.left();
      long held = Math.min(eppWait, rest);
      long slow = Math.min(slowClient, rest - held);
      notes.add("no worker span under the ingress: the upstream's time is unobserved");
      add(out, Segment.unobserved("ingress", "upstream"), rest - held - slow);
      add(out, Segment.ROUTE_RESPONSE, held);
      add(out, Segment.CLIENT_SLOW_READ, slow);
      return new Attribution(trace.traceId(), d / 1e9, out, notes);
    }

    long w0 = clamp(worker.startNanos(), forwarded, in.endNanos());
    long w1 = clamp(worker.endNanos(), w0, in.endNanos());
    if (Math.abs(w0 - worker.startNanos()) > SKEW_NOTE_NANOS
        || Math.abs(w1 - worker.endNanos()) > SKEW_NOTE_NANOS) {
      notes.add(
          String.format(
              java.util.Locale.ROOT,
              "clock skew: the worker's span lies %.1f ms outside the ingress's forward window;"
                  + " network and worker time are approximate",
              Math.max(Math.abs(w0 - worker.startNanos()), Math.abs(w1 - worker.endNanos()))
                  / 1e6));
    }
    add(out, Segment.NETWORK_TO_WORKER, w0 - forwarded);

    Budget w = new Budget(w1 - w0);
    long wRead = w.take(nanos(worker, LlmAttributes.SEGMENT_REQUEST_READ));
    long wConnect = w.take(nanos(worker, LlmAttributes.SEGMENT_CONNECT));
    add(out, Segment.WORKER_REQUEST_READ, wRead);
    add(out, Segment.WORKER_CONNECT, wConnect);
    long e0 = w0 + wRead + wConnect;

    // The engine's window, phase by phase; what no phase covers is engine.other.
    List<SpanRecord> phases =
        trace.children(worker, s -> PHASES.contains(s.name())).stream()
            .sorted(Comparator.comparingLong(SpanRecord::startNanos))
            .toList();
    long workerWaited = nanos(worker, LlmAttributes.SEGMENT_CLIENT_SLOW_READ);
    long other = 0;
    long at = e0;
    List<Segment> engine = new ArrayList<>();
    if (phases.isEmpty()) {
      notes.add("no engine phase spans under the worker: the engine is one piece");
      engine.add(new Segment(Segment.ENGINE, 0)); // placeholder, filled below
    }
    for (SpanRecord p : phases) {
      long from = clamp(p.startNanos() - skew(worker, w0), at, w1);
      long to = clamp(p.endNanos() - skew(worker, w0), from, w1);
      other += from - at;
      engine.add(new Segment(p.name().replace("llm.", ""), (to - from) / 1e9));
      at = to;
    }
    other += w1 - at;
    // The worker waiting on the ingress (backpressure) comes out of the engine's unexplained time
    // and is put down to the ingress's own waits first: the EPP's hold, a slow client.
    long backlog = Math.min(workerWaited, other);
    other -= backlog;
    long held = Math.min(eppWait, backlog);
    long slow = Math.min(slowClient, backlog - held);
    long relay = backlog - held - slow;
    long fromWorker = in.endNanos() - w1;
    long moreHeld = Math.min(eppWait - held, fromWorker);
    fromWorker -= moreHeld;
    long moreSlow = Math.min(slowClient - slow, fromWorker);
    fromWorker -= moreSlow;

    for (Segment s : engine) {
      if (s.name().equals(Segment.ENGINE)) {
        add(out, Segment.ENGINE, other);
        other = 0;
      } else if (s.seconds() > 0) {
        out.add(s);
      }
    }
    add(out, Segment.ENGINE_OTHER, other);
    add(out, Segment.ROUTE_RESPONSE, held + moreHeld);
    add(out, Segment.RELAY, relay);
    add(out, Segment.CLIENT_SLOW_READ, slow + moreSlow);
    add(out, Segment.NETWORK_FROM_WORKER, fromWorker);
    return new Attribution(trace.traceId(), d / 1e9, out, notes);
  }

  /** How far the worker's clock was moved to fit the ingress's window (0 without skew). */
  private static long skew(SpanRecord worker, long placedStart) {
    return worker.startNanos() - placedStart;
  }

  /** The worker SERVER span under the ingress's CLIENT span to the upstream, or null. */
  @javax.annotation.Nullable
  public static SpanRecord worker(Trace trace, SpanRecord ingress) {
    for (SpanRecord client : trace.children(ingress, s -> s.kind() == SpanRecord.KIND_CLIENT)) {
      for (SpanRecord w :
          trace.children(
              client,
              s ->
                  s.kind() == SpanRecord.KIND_SERVER
                      && ROLE_WORKER.equals(s.text(LlmAttributes.ROLE)))) {
        return w;
      }
    }
    return null;
  }

  private static long nanos(SpanRecord s, String key) {
    double v = s.number(key);
    return Double.isNaN(v) || v < 0 ? 0 : Math.round(v * 1e9);
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  private static void add(List<Segment> out, String name, long nanos) {
    if (nanos > 0) {
      out.add(new Segment(name, nanos / 1e9));
    }
  }

  /** What is left of a duration as parts are taken from it in order (never below zero). */
  private static final class Budget {
    private long left;

    Budget(long total) {
      left = Math.max(0, total);
    }

    long take(long nanos) {
      long t = Math.min(left, Math.max(0, nanos));
      left -= t;
      return t;
    }

    long left() {
      return left;
    }
  }
}
