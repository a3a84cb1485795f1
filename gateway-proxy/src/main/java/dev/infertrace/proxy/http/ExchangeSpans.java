package dev.infertrace.proxy.http;

import static dev.infertrace.proxy.http.SpanKeys.*;

import dev.infertrace.core.openai.OpenAiRequest;
import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.core.slo.SloTarget;
import dev.infertrace.core.stream.Latencies;
import dev.infertrace.core.stream.ResponseAttributes;
import dev.infertrace.core.stream.StreamSummary;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.engine.EnginePhases;
import dev.infertrace.proxy.engine.PhaseSpans;
import dev.infertrace.proxy.state.WorkerState;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;

/**
 * The spans of one proxied request, by role (DESIGN.md "Trace shape"): ingress — SERVER span and a
 * CLIENT span to the upstream; worker — SERVER span and the stream-measured phase spans {@code
 * llm.first_token_wait} and {@code llm.decode}. Timestamps are explicit epoch nanoseconds from the
 * exchange's own timeline. Used on one event loop; ended exactly once.
 */
final class ExchangeSpans {
  private static final TextMapGetter<HttpHeaders> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
          return carrier.names();
        }

        @Override
        @Nullable
        public String get(@Nullable HttpHeaders carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };
  private static final TextMapSetter<HttpHeaders> SETTER =
      (carrier, key, value) -> {
        if (carrier != null) {
          carrier.set(key, value);
        }
      };

  private final OpenTelemetry otel;
  private final Tracer tracer;
  private final Role role;
  static final String EPP_SPAN = "envoy.service.ext_proc.v3.ExternalProcessor/Process";

  private Span server = Span.getInvalid();
  private Span client = Span.getInvalid();
  private Span eppCall = Span.getInvalid();
  private Context serverContext = Context.root();
  private String name = "";
  private String method = "";
  private boolean ended;

  @Nullable private final WorkerState state;
  @Nullable private final EnginePhases engine;
  private String requestId = "";

  /** Spans for a monitoring path: none are recorded. */
  static ExchangeSpans untraced(Role role) {
    OpenTelemetry noop = OpenTelemetry.noop();
    return new ExchangeSpans(noop, noop.getTracer("none"), role, null, null);
  }

  ExchangeSpans(
      OpenTelemetry otel,
      Tracer tracer,
      Role role,
      @Nullable WorkerState state,
      @Nullable EnginePhases engine) {
    this.otel = otel;
    this.tracer = tracer;
    this.role = role;
    this.state = state;
    this.engine = engine;
  }

  /**
   * Starts the spans when the request is known, and writes the outgoing trace context into {@code
   * upstreamHeaders}.
   *
   * @param request the sniffed request, or null for non-LLM paths and unreadable bodies
   */
  void start(
      String method,
      String path,
      HttpHeaders incoming,
      HttpHeaders upstreamHeaders,
      @Nullable String operation,
      @Nullable OpenAiRequest request,
      URI upstream,
      String requestId,
      long receivedEpochNanos) {
    startServer(method, path, incoming, operation, request, requestId, receivedEpochNanos);
    startUpstream(upstream, upstreamHeaders, receivedEpochNanos, null);
  }

  /** Starts the SERVER span alone (the ingress as gateway asks the EPP before it knows where). */
  void startServer(
      String method,
      String path,
      HttpHeaders incoming,
      @Nullable String operation,
      @Nullable OpenAiRequest request,
      String requestId,
      long receivedEpochNanos) {
    Context parent =
        otel.getPropagators().getTextMapPropagator().extract(Context.root(), incoming, GETTER);
    this.name = spanName(method, operation, request);
    this.method = method;
    this.requestId = requestId;
    SpanBuilder b =
        tracer
            .spanBuilder(name)
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setStartTimestamp(receivedEpochNanos, TimeUnit.NANOSECONDS)
            .setAttribute(HTTP_METHOD, method)
            .setAttribute(URL_PATH, path)
            .setAttribute(ROLE, role.wireName())
            .setAttribute(REQUEST_ID, requestId);
    requestAttributes(b, operation, request);
    server = b.startSpan();
    if (state != null && role == Role.WORKER) {
      state.onAdmission(server, receivedEpochNanos);
    }
    serverContext = parent.with(server);
  }

  /**
   * Starts the ingress's CLIENT span to the chosen upstream and writes the outgoing trace context
   * into {@code upstreamHeaders} (the worker passes its SERVER context on).
   *
   * @param routedBy the endpoint as the EPP named it, or null when not routed by an EPP
   */
  void startUpstream(
      URI upstream, HttpHeaders upstreamHeaders, long startEpochNanos, @Nullable String routedBy) {
    Context outgoing = serverContext;
    if (role == Role.INGRESS) {
      SpanBuilder c =
          tracer
              .spanBuilder(name)
              .setParent(outgoing)
              .setSpanKind(SpanKind.CLIENT)
              .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS)
              .setAttribute(HTTP_METHOD, method)
              .setAttribute(SERVER_ADDRESS, upstream.getHost())
              .setAttribute(SERVER_PORT, (long) UpstreamLeg.port(upstream))
              .setAttribute(UPSTREAM, upstream.toString());
      if (routedBy != null) {
        c.setAttribute(ROUTE_ENDPOINT, routedBy);
      }
      // The request's GenAI attributes are on the SERVER span, its parent: not repeated here
      // (each attribute is encoded into every exported span — the export is most of tracing's
      // cost).
      client = c.startSpan();
      outgoing = outgoing.with(client);
    }
    otel.getPropagators().getTextMapPropagator().inject(outgoing, upstreamHeaders, SETTER);
  }

  /**
   * Starts the CLIENT span of the ext_proc stream to the EPP (named as OpenTelemetry names gRPC
   * calls) and writes its context into {@code eppHeaders} and {@code grpcHeaders}, so the EPP's own
   * spans (and the interposer's {@code llm.route}) are its children.
   */
  void startEppCall(
      java.net.InetSocketAddress epp,
      HttpHeaders eppHeaders,
      java.util.Map<String, String> grpcHeaders) {
    eppCall =
        tracer
            .spanBuilder(EPP_SPAN)
            .setParent(serverContext)
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute("rpc.system", "grpc")
            .setAttribute("rpc.service", "envoy.service.ext_proc.v3.ExternalProcessor")
            .setAttribute("rpc.method", "Process")
            .setAttribute(SERVER_ADDRESS, epp.getHostString())
            .setAttribute(SERVER_PORT, (long) epp.getPort())
            .startSpan();
    Context ctx = serverContext.with(eppCall);
    otel.getPropagators().getTextMapPropagator().inject(ctx, eppHeaders, SETTER);
    otel.getPropagators().getTextMapPropagator().inject(ctx, grpcHeaders, java.util.Map::put);
  }

  /**
   * Ends the ext_proc span at the EPP's answer (or failure).
   *
   * @param outcome routed, shed, no_capacity, rejected, fail_open or error
   */
  void endEppCall(
      String outcome,
      @Nullable String endpoint,
      int immediateStatus,
      @Nullable String errorType,
      @Nullable String message) {
    Span span = eppCall;
    eppCall = Span.getInvalid();
    span.setAttribute(ROUTE_OUTCOME, outcome);
    if (endpoint != null) {
      span.setAttribute(ROUTE_ENDPOINT, endpoint);
    }
    if (immediateStatus > 0) {
      span.setAttribute(HTTP_STATUS, (long) immediateStatus);
    }
    if (errorType != null) {
      span.setAttribute(ERROR_TYPE, errorType);
      span.setStatus(StatusCode.ERROR, message == null ? "" : message);
    }
    span.end();
    if ("fail_open".equals(outcome)) {
      server.addEvent(
          "epp.fail_open",
          io.opentelemetry.api.common.Attributes.of(
              ERROR_TYPE,
              errorType == null ? "" : errorType,
              ROUTE_ENDPOINT,
              endpoint == null ? "" : endpoint));
    }
  }

  /** What the metrics need of an ended exchange; latencies in seconds, NaN when absent. */
  record Outcome(Latencies latencies, @Nullable Boolean sloMet, @Nullable String traceId) {}

  /**
   * Ends the spans with what the response said; null when they were ended already.
   *
   * @param receivedNanos when the request head arrived (epoch nanoseconds, the summary's clock)
   * @param forwardedNanos when the request went upstream
   * @param errorType why the exchange failed ({@code ProxyFailure}'s error type), or null
   */
  @Nullable
  Outcome end(
      long receivedNanos,
      long forwardedNanos,
      int status,
      @Nullable StreamSummary s,
      @Nullable String errorType,
      boolean cancelled,
      SloTarget slo,
      PhaseClock phases) {
    if (ended) {
      return null;
    }
    ended = true;
    long endNanos =
        s != null && s.endNanos() != 0 ? s.endNanos() : dev.infertrace.proxy.state.Clock.now();
    // The ingress's SERVER span lasts until the client's connection took the last part (a slow
    // reader's wait is in it); the upstream's figures (and the CLIENT span) end with the
    // upstream's last part. A worker's client is the ingress, whose own CLIENT span ends when the
    // last part arrived: the worker's span ends then too, not when its event loop heard that the
    // write completed (which can come later, and would show as clock skew between the two).
    long serverEnd = role == Role.INGRESS ? Math.max(endNanos, phases.deliveredNanos()) : endNanos;
    segments(server, phases.segments(serverEnd));
    double[] stalled = LoopStalls.stalledSeconds(receivedNanos, forwardedNanos, serverEnd);
    if (stalled[0] > 0) { // the parts are never above the whole: none without it
      server.setAttribute(EVENT_LOOP_STALLED, stalled[0]);
      if (stalled[1] > 0) {
        server.setAttribute(EVENT_LOOP_STALLED_BEFORE_READ, stalled[1]);
      }
      if (stalled[2] > 0) {
        server.setAttribute(EVENT_LOOP_DELAY_REQUEST, stalled[2]);
      }
      double first =
          s != null && s.firstTokenNanos() != 0
              ? LoopStalls.delaySeconds(receivedNanos, s.firstTokenNanos())
              : 0;
      double last = LoopStalls.delaySeconds(receivedNanos, serverEnd);
      if (first > 0) {
        server.setAttribute(EVENT_LOOP_DELAY_FIRST_TOKEN, first);
      }
      if (last > 0) {
        server.setAttribute(EVENT_LOOP_DELAY_END, last);
      }
    }
    if (state != null && role == Role.WORKER) {
      WorkerState.Verdict verdict = state.verdict(receivedNanos, endNanos);
      if (verdict != null) {
        server.setAttribute(VERDICT, verdict.cause());
        server.setAttribute(VERDICT_EVIDENCE, verdict.evidence());
      }
    }
    for (Span span : new Span[] {server, client}) {
      if (status > 0) {
        span.setAttribute(HTTP_STATUS, (long) status);
      }
    }
    if (s != null) {
      Span srv = server;
      ResponseAttributes.write(
          s, receivedNanos, endNanos, (k, v) -> srv.setAttribute(RESPONSE.get(k.ordinal()), v));
      if (role == Role.INGRESS) {
        hopAttributes(client, s, forwardedNanos, endNanos);
      } else if (s.firstTokenNanos() != 0) {
        if (engine != null) {
          engine.expect(server, requestId, forwardedNanos, s.firstTokenNanos(), s.lastTokenNanos());
        } else {
          PhaseSpans.measured(
              tracer, server, state, forwardedNanos, s.firstTokenNanos(), s.lastTokenNanos());
        }
      }
    }
    String bodyError = s != null ? s.errorType() : null;
    boolean clientError = status >= 400 && status < 500;
    // A proxy failure, a 5xx, or an error object under a 200 (an SSE error chunk) fails the
    // exchange; a 4xx is the caller's mistake: an error of the CLIENT span only.
    String error = errorType;
    if (error == null && !clientError && (status >= 500 || bodyError != null)) {
      error = bodyError != null ? bodyError : Integer.toString(status);
    }
    if (cancelled) {
      server.setAttribute(CANCELLED, true);
      client.setAttribute(CANCELLED, true);
    }
    if (error != null && !cancelled) {
      for (Span span : new Span[] {server, client}) {
        span.setAttribute(ERROR_TYPE, error);
        span.setStatus(StatusCode.ERROR);
      }
    } else if (clientError) {
      client.setAttribute(ERROR_TYPE, bodyError != null ? bodyError : Integer.toString(status));
      client.setStatus(StatusCode.ERROR);
    }
    Latencies t = Latencies.of(s, receivedNanos, endNanos);
    Boolean met = null;
    if (!slo.isEmpty() && !cancelled) {
      met = error == null && status < 400 && Boolean.TRUE.equals(slo.met(t.ttft(), t.tpot()));
      if (slo.ttftSeconds() != null) {
        server.setAttribute(SLO_TTFT, slo.ttftSeconds());
      }
      if (slo.tpotSeconds() != null) {
        server.setAttribute(SLO_TPOT, slo.tpotSeconds());
      }
      server.setAttribute(SLO_MET, met);
    }
    String traceId =
        server.getSpanContext().isValid() ? server.getSpanContext().getTraceId() : null;
    if (eppCall.getSpanContext().isValid()) {
      endEppCall(cancelled ? "cancelled" : "error", null, 0, cancelled ? null : error, null);
    }
    client.end(endNanos, TimeUnit.NANOSECONDS);
    server.end(serverEnd, TimeUnit.NANOSECONDS);
    return new Outcome(t, met, traceId);
  }

  /** The SERVER span's time by segment: they add up to its duration. */
  private static void segments(Span span, PhaseClock.Segments g) {
    segment(span, SEGMENT_REQUEST_READ, g.requestRead());
    segment(span, SEGMENT_ROUTE, g.route());
    segment(span, SEGMENT_CONNECT, g.connect());
    segment(span, SEGMENT_UPSTREAM_HEAD, g.upstreamHead());
    segment(span, SEGMENT_EPP_RESPONSE, g.eppResponse());
    segment(span, SEGMENT_RELAY, g.relay());
    segment(span, SEGMENT_CLIENT_SLOW_READ, g.clientSlowRead());
  }

  private static void segment(
      Span span, io.opentelemetry.api.common.AttributeKey<Double> key, double seconds) {
    if (!Double.isNaN(seconds)) {
      span.setAttribute(key, seconds);
    }
  }

  private static void requestAttributes(
      SpanBuilder b, @Nullable String operation, @Nullable OpenAiRequest r) {
    if (operation == null) {
      return;
    }
    b.setAttribute(OPERATION_NAME, operation)
        .setAttribute(PROVIDER_NAME, LlmAttributes.PROVIDER_VLLM);
    if (r == null) {
      return;
    }
    if (r.model() != null) {
      b.setAttribute(REQUEST_MODEL, r.model());
    }
    b.setAttribute(REQUEST_STREAM, r.stream());
    if (r.maxTokens() != null) {
      b.setAttribute(REQUEST_MAX_TOKENS, (long) r.maxTokens());
    }
    if (r.n() != null) {
      b.setAttribute(REQUEST_CHOICE_COUNT, (long) r.n());
    }
    b.setAttribute(REQUEST_MESSAGES, (long) r.messages());
    b.setAttribute(REQUEST_PROMPT_CHARS, r.promptChars());
    b.setAttribute(REQUEST_BODY_SIZE, r.bodyBytes());
  }

  /**
   * The ingress CLIENT span's own view of the hop, timed from the forward: end to end and time to
   * first token. Compared with the SERVER span's, they show the time spent before the upstream
   * (routing, the EPP); with the worker's, the network and gateway between them.
   */
  private static void hopAttributes(Span span, StreamSummary s, long from, long end) {
    span.setAttribute(LATENCY_E2E, Latencies.seconds(end - from));
    double ttft = Latencies.ttft(s, from);
    if (!Double.isNaN(ttft)) {
      span.setAttribute(LATENCY_TIME_TO_FIRST_TOKEN, ttft);
    }
  }

  static String spanName(String method, @Nullable String operation, @Nullable OpenAiRequest r) {
    if (operation == null) {
      return method;
    }
    return r != null && r.model() != null ? operation + " " + r.model() : operation;
  }
}
