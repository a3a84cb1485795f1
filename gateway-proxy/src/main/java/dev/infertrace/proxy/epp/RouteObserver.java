package dev.infertrace.proxy.epp;

import dev.infertrace.core.openai.OpenAiRequest;
import dev.infertrace.core.openai.OpenAiRequestSniffer;
import dev.infertrace.core.schema.DcgmAttributes;
import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.core.schema.RouteAttributes;
import dev.infertrace.core.schema.SpanNames;
import dev.infertrace.core.schema.VllmAttributes;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * Watches one ext_proc stream go by (copies of the bytes, after they were forwarded) and makes its
 * {@code llm.route} span: the request's model and size, the endpoint the EPP chose (header mutation
 * or {@code envoy.lb} metadata), its scores when it emits them, the decision time (request end of
 * stream → routing answer) and the outcome. A message it cannot parse is ignored: the relay does
 * not depend on it. Used by one stream; calls are serialized by the relay.
 */
final class RouteObserver {
  static final String DESTINATION = "x-gateway-destination-endpoint";
  static final String SCORES = "x-gateway-destination-endpoint-scores";
  private static final int BODY_LIMIT = 1024 * 1024;
  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        @Nullable
        public String get(@Nullable Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private final OpenTelemetry otel;
  private final Tracer tracer;
  @Nullable private final EndpointView view;
  private java.util.List<EndpointView.State> candidates = java.util.List.of();
  private final long startNanos = dev.infertrace.proxy.state.Clock.now();
  private final Map<String, String> headers = new HashMap<>();
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private long requestEndNanos;
  private long decisionNanos;
  private String endpoint;
  private String scores;
  private String outcome;
  private int immediateStatus;
  private boolean ended;

  /**
   * The {@code traceparent} values of the EPP's header mutation: its own span's (for the link), and
   * the gateway's own echoed back (an EPP passes the request's other headers on).
   */
  private final java.util.List<String> eppTraceparents = new java.util.ArrayList<>();

  RouteObserver(OpenTelemetry otel, Tracer tracer, @Nullable EndpointView view) {
    this.otel = otel;
    this.tracer = tracer;
    this.view = view;
  }

  void onRequest(byte[] bytes) {
    ProcessingRequest r;
    try {
      r = ProcessingRequest.parseFrom(bytes);
    } catch (Exception e) {
      return;
    }
    if (r.hasRequestHeaders()) {
      for (HeaderValue h : r.getRequestHeaders().getHeaders().getHeadersList()) {
        headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), value(h));
      }
      if (r.getRequestHeaders().getEndOfStream()) {
        requestEndNanos = dev.infertrace.proxy.state.Clock.now();
      }
    }
    if (r.hasRequestBody()) {
      byte[] chunk = r.getRequestBody().getBody().toByteArray();
      if (body.size() + chunk.length <= BODY_LIMIT) {
        body.writeBytes(chunk);
      }
      if (r.getRequestBody().getEndOfStream()) {
        requestEndNanos = dev.infertrace.proxy.state.Clock.now();
      }
    }
  }

  void onResponse(byte[] bytes) {
    ProcessingResponse r;
    try {
      r = ProcessingResponse.parseFrom(bytes);
    } catch (Exception e) {
      return;
    }
    if (r.hasImmediateResponse()) {
      immediateStatus = r.getImmediateResponse().getStatus().getCodeValue();
      outcome =
          immediateStatus == 429 ? "shed" : immediateStatus == 503 ? "no_capacity" : "rejected";
      decided();
      onClose(null); // the span covers the routing, not the rest of the stream
      return;
    }
    CommonResponse common =
        r.hasRequestHeaders()
            ? r.getRequestHeaders().getResponse()
            : r.hasRequestBody() ? r.getRequestBody().getResponse() : null;
    if (common != null) {
      for (HeaderValueOption o : common.getHeaderMutation().getSetHeadersList()) {
        String key = o.getHeader().getKey().toLowerCase(java.util.Locale.ROOT);
        if (key.equals(DESTINATION)) {
          endpoint = value(o.getHeader());
          outcome = "routed";
          decided();
        } else if (key.equals("traceparent") && eppTraceparents.size() < 4) {
          eppTraceparents.add(value(o.getHeader()));
        }
      }
    }
    if (r.hasDynamicMetadata()) {
      var lb = r.getDynamicMetadata().getFieldsMap().get("envoy.lb");
      if (lb != null && lb.hasStructValue()) {
        var fields = lb.getStructValue().getFieldsMap();
        if (endpoint == null && fields.containsKey(DESTINATION)) {
          endpoint = fields.get(DESTINATION).getStringValue();
          outcome = "routed";
          decided();
        }
        if (fields.containsKey(SCORES)) {
          var v = fields.get(SCORES);
          scores = v.hasStringValue() ? v.getStringValue() : scoresJson(v);
        }
      }
    }
    if (decisionNanos != 0) {
      onClose(null); // routed: the span ends at the answer; the response phases are not routing
    }
  }

  private void decided() {
    if (decisionNanos == 0) {
      decisionNanos = dev.infertrace.proxy.state.Clock.now();
      if (view != null) {
        candidates = view.snapshot(); // the state the EPP saw, give or take one scrape
      }
    }
  }

  /**
   * The routing answer went by, or the stream ended (normally, with an error, or cancelled) before
   * one: the span ends once.
   */
  void onClose(@Nullable Status status) {
    if (ended) {
      return;
    }
    ended = true;
    Context parent =
        otel.getPropagators().getTextMapPropagator().extract(Context.root(), headers, GETTER);
    var b =
        tracer
            .spanBuilder(SpanNames.ROUTE)
            .setParent(parent)
            .setSpanKind(SpanKind.INTERNAL)
            .setStartTimestamp(startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    String path = headers.get(":path");
    String operation = path == null ? null : OpenAiRequestSniffer.operationOf(path);
    if (operation != null && body.size() > 0) {
      byte[] b2 = body.toByteArray();
      OpenAiRequest req = OpenAiRequestSniffer.sniff(operation, b2, 0, b2.length);
      if (req != null && req.model() != null) {
        b.setAttribute(LlmAttributes.REQUEST_MODEL, req.model());
      }
      b.setAttribute(LlmAttributes.REQUEST_BODY_SIZE, (long) b2.length);
    }
    if (headers.containsKey("x-request-id")) {
      b.setAttribute(LlmAttributes.REQUEST_ID, headers.get("x-request-id"));
    }
    // An EPP that starts its own trace for each stream (the Gateway API Inference Extension's does:
    // it reads no incoming context) names its span in a traceparent of its header mutation: the
    // route span links to it, so the two traces can be walked from either side.
    String ours = Span.fromContext(parent).getSpanContext().getTraceId();
    for (String traceparent : eppTraceparents) {
      SpanContext epp =
          Span.fromContext(
                  otel.getPropagators()
                      .getTextMapPropagator()
                      .extract(Context.root(), Map.of("traceparent", traceparent), GETTER))
              .getSpanContext();
      if (epp.isValid() && !epp.getTraceId().equals(ours)) {
        b.addLink(epp, Attributes.of(AttributeKey.stringKey(RouteAttributes.LINK), "epp"));
      }
    }
    Span span = b.startSpan();
    if (endpoint != null) {
      span.setAttribute(LlmAttributes.ROUTE_ENDPOINT, endpoint);
    }
    if (scores != null) {
      span.setAttribute(RouteAttributes.SCORES, scores);
    }
    if (decisionNanos != 0 && requestEndNanos != 0) {
      span.setAttribute(
          RouteAttributes.DECISION_TIME, Math.max(0, decisionNanos - requestEndNanos) / 1e9);
    }
    if (immediateStatus != 0) {
      span.setAttribute(LlmAttributes.HTTP_STATUS, (long) immediateStatus);
    }
    String result = outcome;
    if (status != null && !status.isOk() && result == null) {
      result = status.getCode() == Status.Code.CANCELLED ? "cancelled" : "error";
      span.setAttribute(
          LlmAttributes.ERROR_TYPE,
          dev.infertrace.proxy.failure.ProxyFailure.eppStatus(status.getCode().name()));
      span.setStatus(StatusCode.ERROR);
    }
    span.setAttribute(LlmAttributes.ROUTE_OUTCOME, result == null ? "none" : result);
    candidateEvents(span);
    span.end(
        decisionNanos != 0 ? decisionNanos : dev.infertrace.proxy.state.Clock.now(),
        java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** One {@code llm.route.candidate} event per endpoint, at the decision time. */
  private void candidateEvents(Span span) {
    Map<String, Double> byEndpoint = parseScores(scores);
    java.util.Set<String> chosen = new java.util.HashSet<>();
    if (endpoint != null) {
      for (String e : endpoint.split(",")) {
        chosen.add(e.strip());
      }
    }
    for (EndpointView.State c : candidates) {
      var a =
          io.opentelemetry.api.common.Attributes.builder()
              .put(RouteAttributes.CANDIDATE, c.hostPort())
              .put(RouteAttributes.CANDIDATE_NAME, c.name())
              .put(RouteAttributes.CHOSEN, chosen.contains(c.hostPort()));
      Double score = byEndpoint.get(c.hostPort());
      if (score != null) {
        a.put(RouteAttributes.SCORE, score);
      }
      if (!Double.isNaN(c.waiting())) {
        a.put(VllmAttributes.NUM_REQUESTS_WAITING, (long) c.waiting());
      }
      if (!Double.isNaN(c.running())) {
        a.put(VllmAttributes.NUM_REQUESTS_RUNNING, (long) c.running());
      }
      if (!Double.isNaN(c.kv())) {
        a.put(VllmAttributes.KV_CACHE_USAGE_PERC, c.kv());
      }
      if (!Double.isNaN(c.gpuUtil())) {
        a.put(DcgmAttributes.GPU_UTIL, c.gpuUtil());
      }
      span.addEvent(
          SpanNames.ROUTE_CANDIDATE_EVENT,
          a.build(),
          decisionNanos,
          java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /** A Struct of endpoint → number (or anything else, as its text) in the string form. */
  private static String scoresJson(com.google.protobuf.Value v) {
    if (!v.hasStructValue()) {
      return v.toString().strip();
    }
    StringBuilder b = new StringBuilder("{");
    v.getStructValue()
        .getFieldsMap()
        .forEach(
            (k, n) -> {
              if (b.length() > 1) {
                b.append(',');
              }
              b.append('"').append(k).append("\":");
              b.append(n.hasNumberValue() ? Double.toString(n.getNumberValue()) : "null");
            });
    return b.append('}').toString();
  }

  /** {@code {"ip:port": score, ...}} as the EPP emits it; empty when absent or unreadable. */
  static Map<String, Double> parseScores(@Nullable String json) {
    Map<String, Double> out = new HashMap<>();
    if (json == null) {
      return out;
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"([^\"]+)\"\\s*:\\s*(-?[0-9.eE+-]+)").matcher(json);
    while (m.find()) {
      try {
        out.put(m.group(1), Double.parseDouble(m.group(2)));
      } catch (NumberFormatException e) {
        // not a score; skip it
      }
    }
    return out;
  }

  private static String value(HeaderValue h) {
    return h.getRawValue().isEmpty()
        ? h.getValue()
        : h.getRawValue().toString(StandardCharsets.UTF_8);
  }
}
