package dev.infertrace.testbed.sim.tracing;

import dev.infertrace.core.schema.SpanNames;
import dev.infertrace.core.schema.VllmSpanAttributes;
import dev.infertrace.testbed.sim.engine.FinishedRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.annotation.Nullable;

/**
 * vLLM's own tracing: one {@code llm_request} SERVER span per finished request, parented on the
 * request's {@code traceparent}, from arrival to the engine letting go of it, with the attributes
 * vLLM V1 sets (see {@code src/docs/vllm-twin-tracing.md}). Exported through a batch span
 * processor, so, as with vLLM, a span reaches the collector seconds after the response ended.
 *
 * <p>{@link #emit} is called by the engine thread: it only records (the processor's queue is
 * bounded; when it is full spans are dropped and counted by the SDK), never blocks or throws.
 */
public final class LlmRequestSpans implements AutoCloseable {
  /** vLLM's processor uses the SDK default: export every 5 s. */
  public static final Duration DEFAULT_SCHEDULE_DELAY = Duration.ofSeconds(5);

  private static final AttributeKey<Double> TTFT =
      AttributeKey.doubleKey(VllmSpanAttributes.LATENCY_TIME_TO_FIRST_TOKEN);
  private static final AttributeKey<Double> E2E =
      AttributeKey.doubleKey(VllmSpanAttributes.LATENCY_E2E);
  private static final AttributeKey<Double> QUEUE =
      AttributeKey.doubleKey(VllmSpanAttributes.LATENCY_TIME_IN_QUEUE);
  private static final AttributeKey<Double> PREFILL =
      AttributeKey.doubleKey(VllmSpanAttributes.LATENCY_TIME_IN_MODEL_PREFILL);
  private static final AttributeKey<Double> DECODE =
      AttributeKey.doubleKey(VllmSpanAttributes.LATENCY_TIME_IN_MODEL_DECODE);
  private static final AttributeKey<Double> INFERENCE =
      AttributeKey.doubleKey(VllmSpanAttributes.LATENCY_TIME_IN_MODEL_INFERENCE);
  private static final AttributeKey<Long> PROMPT_TOKENS =
      AttributeKey.longKey(VllmSpanAttributes.USAGE_PROMPT_TOKENS);
  private static final AttributeKey<Long> COMPLETION_TOKENS =
      AttributeKey.longKey(VllmSpanAttributes.USAGE_COMPLETION_TOKENS);
  private static final AttributeKey<String> REQUEST_ID =
      AttributeKey.stringKey(VllmSpanAttributes.REQUEST_ID);
  private static final AttributeKey<Long> MAX_TOKENS =
      AttributeKey.longKey(VllmSpanAttributes.REQUEST_MAX_TOKENS);
  private static final AttributeKey<Double> TEMPERATURE =
      AttributeKey.doubleKey(VllmSpanAttributes.REQUEST_TEMPERATURE);
  private static final AttributeKey<Double> TOP_P =
      AttributeKey.doubleKey(VllmSpanAttributes.REQUEST_TOP_P);
  private static final AttributeKey<Long> N = AttributeKey.longKey(VllmSpanAttributes.REQUEST_N);
  private static final AttributeKey<String> FINISH_REASONS =
      AttributeKey.stringKey(VllmSpanAttributes.RESPONSE_FINISH_REASONS);

  private static final TextMapGetter<Map<String, String>> HEADERS =
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

  @Nullable private final SdkTracerProvider provider;
  @Nullable private final Tracer tracer;
  private final AtomicBoolean closed = new AtomicBoolean();

  private LlmRequestSpans(@Nullable SdkTracerProvider provider) {
    this.provider = provider;
    this.tracer = provider == null ? null : provider.get(SpanNames.VLLM_SCOPE);
  }

  /**
   * Exports to {@code endpoint} over {@code protocol} ({@code grpc} or {@code http/protobuf}) with
   * a batch span processor on vLLM's 5 s schedule, as {@code service.name=serviceName}.
   */
  public static LlmRequestSpans create(String endpoint, String protocol, String serviceName) {
    return create(endpoint, protocol, serviceName, DEFAULT_SCHEDULE_DELAY);
  }

  /**
   * As {@link #create(String, String, String)} with another export schedule. For {@code
   * http/protobuf}, an endpoint without a path gets {@code /v1/traces} appended; one with a path is
   * used as it is (the traces URL, as {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} means it).
   */
  public static LlmRequestSpans create(
      String endpoint, String protocol, String serviceName, Duration scheduleDelay) {
    SpanExporter exporter =
        switch (protocol) {
          case "grpc" -> OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).build();
          case "http/protobuf" ->
              OtlpHttpSpanExporter.builder().setEndpoint(tracesUrl(endpoint)).build();
          default ->
              throw new IllegalArgumentException(
                  "unknown OTLP traces protocol '" + protocol + "'; use grpc or http/protobuf");
        };
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(Resource.builder().put("service.name", serviceName).build()))
            .addSpanProcessor(
                BatchSpanProcessor.builder(exporter).setScheduleDelay(scheduleDelay).build())
            .build();
    return new LlmRequestSpans(provider);
  }

  /** Tracing off (no {@code --otlp-traces-endpoint}). */
  public static LlmRequestSpans noop() {
    return new LlmRequestSpans(null);
  }

  /** Records the span of a finished (or aborted) request. */
  public void emit(FinishedRequest r) {
    if (tracer == null) {
      return;
    }
    Context parent =
        W3CTraceContextPropagator.getInstance().extract(Context.root(), headers(r), HEADERS);
    Span span =
        tracer
            .spanBuilder(SpanNames.VLLM_REQUEST)
            .setSpanKind(SpanKind.SERVER)
            .setParent(parent)
            .setStartTimestamp(r.arrivalNanos(), TimeUnit.NANOSECONDS)
            .startSpan();
    span.setAttribute(E2E, FinishedRequest.seconds(r.arrivalNanos(), r.finishedNanos()));
    if (r.scheduledNanos() != 0) {
      span.setAttribute(QUEUE, FinishedRequest.seconds(r.queuedNanos(), r.scheduledNanos()));
    }
    if (r.hasFirstToken()) {
      span.setAttribute(TTFT, FinishedRequest.seconds(r.arrivalNanos(), r.firstTokenNanos()));
      span.setAttribute(PREFILL, FinishedRequest.seconds(r.scheduledNanos(), r.firstTokenNanos()));
      span.setAttribute(DECODE, FinishedRequest.seconds(r.firstTokenNanos(), r.lastTokenNanos()));
      span.setAttribute(INFERENCE, FinishedRequest.seconds(r.scheduledNanos(), r.lastTokenNanos()));
    }
    span.setAttribute(PROMPT_TOKENS, (long) r.promptTokens());
    span.setAttribute(COMPLETION_TOKENS, (long) r.completionTokens());
    span.setAttribute(REQUEST_ID, r.requestId());
    span.setAttribute(N, (long) r.n());
    if (r.maxTokens() != null) {
      span.setAttribute(MAX_TOKENS, (long) r.maxTokens());
    }
    if (r.temperature() != null) {
      span.setAttribute(TEMPERATURE, r.temperature());
    }
    if (r.topP() != null) {
      span.setAttribute(TOP_P, r.topP());
    }
    span.setAttribute(FINISH_REASONS, "[\"" + r.finishReason() + "\"]");
    span.setStatus(StatusCode.OK);
    span.end(r.finishedNanos(), TimeUnit.NANOSECONDS);
  }

  /** Flushes and shuts the exporter down. Idempotent. */
  @Override
  public void close() {
    if (provider != null && closed.compareAndSet(false, true)) {
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  private static Map<String, String> headers(FinishedRequest r) {
    Map<String, String> h = new HashMap<>(2);
    if (r.traceparent() != null) {
      h.put("traceparent", r.traceparent());
    }
    if (r.tracestate() != null) {
      h.put("tracestate", r.tracestate());
    }
    return h;
  }

  static String tracesUrl(String endpoint) {
    URI uri = URI.create(endpoint);
    String path = uri.getPath();
    return path == null || path.isEmpty() || path.equals("/")
        ? endpoint.replaceAll("/$", "") + "/v1/traces"
        : endpoint;
  }
}
