package dev.infertrace.proxy.engine;

import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.core.schema.SpanNames;
import dev.infertrace.core.schema.VllmSpanAttributes;
import dev.infertrace.proxy.otlp.OtlpReceiver;
import dev.infertrace.proxy.state.WorkerState;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.annotation.Nullable;

/**
 * Exact phases from vLLM's own span. The worker's OTLP receiver hands it every {@code llm_request}
 * span vLLM exports; each is matched to its request — its parent is the worker's SERVER span (the
 * context the worker sent to vLLM), or else its {@code gen_ai.request.id} ends with the request's
 * {@code X-Request-Id} — and the worker emits {@code llm.queue}, {@code llm.prefill}, {@code
 * llm.decode} placed on vLLM's timeline ({@code llm.phase.source=engine}). A request whose engine
 * span has not come within the wait gets the stream-measured phases instead: never both, never
 * neither. Every received span is relayed unchanged to the worker's exporter. Thread-safe.
 */
public final class EnginePhases implements OtlpReceiver.Listener, AutoCloseable {
  /**
   * A request whose engine span has not come yet. It keeps the SERVER span's context, all its
   * phases need as their parent, not the span: that span has ended and been handed to the exporter,
   * and with every attribute it carries it would otherwise stay on the heap for the whole wait.
   */
  private record Pending(
      SpanContext server,
      String requestId,
      long forwarded,
      long firstToken,
      long lastToken,
      ScheduledFuture<?> fallback) {}

  private record Early(ProtoSpanData span, long receivedNanos) {}

  private final Tracer tracer;
  private final SpanExporter relay;
  private final Duration wait;
  private final int maxPending;
  @Nullable private final WorkerState state;
  private final ScheduledExecutorService timer;
  private final Map<String, Pending> bySpanId = new ConcurrentHashMap<>();
  private final Map<String, String> spanIdByRequestId = new ConcurrentHashMap<>();
  private final Map<String, Early> early = new ConcurrentHashMap<>();
  private final AtomicLong matched = new AtomicLong();
  private final AtomicLong fellBack = new AtomicLong();
  private final AtomicLong evicted = new AtomicLong();
  private final AtomicLong relayed = new AtomicLong();

  /**
   * A timer for the waits, on one daemon thread: a wait canceled because vLLM's span came (most of
   * them, where vLLM exports spans) leaves its queue at once rather than at its deadline, so the
   * queue holds only the requests still waiting (otherwise every request of the last {@code
   * --engine-span-wait}, 15 s by default).
   */
  public static java.util.concurrent.ScheduledThreadPoolExecutor newTimer() {
    java.util.concurrent.ScheduledThreadPoolExecutor timer =
        new java.util.concurrent.ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "engine-phases");
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  public EnginePhases(
      Tracer tracer,
      SpanExporter relay,
      Duration wait,
      int maxPending,
      @Nullable WorkerState state,
      ScheduledExecutorService timer) {
    this.tracer = tracer;
    this.relay = relay;
    this.wait = wait;
    this.maxPending = maxPending;
    this.state = state;
    this.timer = timer;
  }

  /**
   * A worker request ended: its phases come from vLLM's span, or from the stream after the wait.
   */
  public void expect(
      Span server, String requestId, long forwarded, long firstToken, long lastToken) {
    SpanContext context = server.getSpanContext();
    String spanId = context.getSpanId();
    Early e = early.remove(spanId);
    if (e != null) {
      matched.incrementAndGet();
      exact(server, e.span());
      return;
    }
    if (bySpanId.size() >= maxPending) {
      evicted.incrementAndGet();
      measured(server, forwarded, firstToken, lastToken);
      return;
    }
    ScheduledFuture<?> fallback =
        timer.schedule(() -> fallBack(spanId), wait.toNanos(), TimeUnit.NANOSECONDS);
    bySpanId.put(
        spanId, new Pending(context, requestId, forwarded, firstToken, lastToken, fallback));
    spanIdByRequestId.put(requestId, spanId);
  }

  private void fallBack(String spanId) {
    Pending p = bySpanId.remove(spanId);
    if (p != null) {
      spanIdByRequestId.remove(p.requestId());
      fellBack.incrementAndGet();
      measured(Span.wrap(p.server()), p.forwarded(), p.firstToken(), p.lastToken());
    }
  }

  @Override
  public void accept(ExportTraceServiceRequest request, String transport) {
    List<io.opentelemetry.sdk.trace.data.SpanData> toRelay = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (io.opentelemetry.proto.trace.v1.Span s : ss.getSpansList()) {
          ProtoSpanData data = new ProtoSpanData(rs.getResource(), ss.getScope(), s);
          toRelay.add(data);
          if (s.getName().equals(SpanNames.VLLM_REQUEST)) {
            match(data, ProtoSpanData.hex(s.getParentSpanId()));
          }
        }
      }
    }
    relayed.addAndGet(toRelay.size());
    relay.export(toRelay);
  }

  private void match(ProtoSpanData span, String parentId) {
    Pending p = bySpanId.remove(parentId);
    if (p == null) {
      String requestId = span.stringAttribute(VllmSpanAttributes.REQUEST_ID);
      if (requestId != null) {
        int dash = requestId.indexOf('-');
        String spanId = spanIdByRequestId.get(dash < 0 ? requestId : requestId.substring(dash + 1));
        p = spanId == null ? null : bySpanId.remove(spanId);
      }
    }
    if (p == null) {
      if (!parentId.isEmpty() && early.size() < maxPending) {
        early.put(parentId, new Early(span, System.nanoTime())); // the request has not ended yet
        timer.schedule(() -> early.remove(parentId), wait.toNanos(), TimeUnit.NANOSECONDS);
      }
      return;
    }
    p.fallback().cancel(false);
    spanIdByRequestId.remove(p.requestId());
    matched.incrementAndGet();
    exact(Span.wrap(p.server()), span);
  }

  /** Phases on vLLM's timeline: first token = start + TTFT; prefill and queue before it. */
  private void exact(Span server, ProtoSpanData s) {
    long start = s.getStartEpochNanos();
    double ttft = s.doubleAttribute(VllmSpanAttributes.LATENCY_TIME_TO_FIRST_TOKEN);
    if (Double.isNaN(ttft)) {
      return; // aborted before its first token: nothing to place
    }
    long firstToken = start + nanos(ttft);
    long prefillStart =
        firstToken
            - nanos(or0(s.doubleAttribute(VllmSpanAttributes.LATENCY_TIME_IN_MODEL_PREFILL)));
    long queueStart =
        prefillStart - nanos(or0(s.doubleAttribute(VllmSpanAttributes.LATENCY_TIME_IN_QUEUE)));
    long decodeEnd =
        firstToken + nanos(or0(s.doubleAttribute(VllmSpanAttributes.LATENCY_TIME_IN_MODEL_DECODE)));
    phase(server, SpanNames.QUEUE, queueStart, prefillStart, LlmAttributes.SOURCE_ENGINE);
    phase(server, SpanNames.PREFILL, prefillStart, firstToken, LlmAttributes.SOURCE_ENGINE);
    phase(server, SpanNames.DECODE, firstToken, decodeEnd, LlmAttributes.SOURCE_ENGINE);
  }

  /** The stream-measured phases, when vLLM's span did not come. */
  public void measured(Span server, long forwarded, long firstToken, long lastToken) {
    PhaseSpans.measured(tracer, server, state, forwarded, firstToken, lastToken);
  }

  private void phase(Span server, String name, long start, long end, String source) {
    PhaseSpans.emit(tracer, server, state, name, start, end, source);
  }

  private static long nanos(double seconds) {
    return Math.round(seconds * 1e9);
  }

  private static double or0(double v) {
    return Double.isNaN(v) ? 0 : v;
  }

  /**
   * What became of the worker's requests and of the spans vLLM sent, since start: every ended
   * request is counted once in {@code matched}, {@code fellBack} or {@code evicted}.
   *
   * @param matched requests whose phases came from vLLM's span
   * @param fellBack requests whose vLLM span did not come within the wait: stream-measured phases
   * @param evicted requests measured on the stream at once because too many were already waiting
   * @param relayed spans received from vLLM and handed to the worker's exporter
   */
  public record Counts(long matched, long fellBack, long evicted, long relayed) {}

  /** The counters, read together (each is exact; the four are not one atomic snapshot). */
  public Counts counts() {
    return new Counts(matched.get(), fellBack.get(), evicted.get(), relayed.get());
  }

  public long matched() {
    return matched.get();
  }

  public long fellBack() {
    return fellBack.get();
  }

  public long evicted() {
    return evicted.get();
  }

  public long relayed() {
    return relayed.get();
  }

  /** Emits the measured phases of every request still waiting, then stops. */
  @Override
  public void close() {
    for (String spanId : List.copyOf(bySpanId.keySet())) {
      fallBack(spanId);
    }
  }
}
