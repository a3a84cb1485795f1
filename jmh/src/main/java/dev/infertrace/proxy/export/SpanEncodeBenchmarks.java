package dev.infertrace.proxy.export;

import dev.infertrace.core.schema.LlmAttributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The OTLP encoding of a batch of 2048 ended spans, each as a traced request's SERVER span carries
 * it (twenty attributes of every type the proxy sets), into one export request, as the span queue's
 * thread does (divide by 2048 for a span). Here the spans' objects are in this thread's caches; on
 * the queue's thread, which did not write them, they are not. In package {@code
 * dev.infertrace.proxy.export} for its package-private classes. Run with {@code -prof gc} for the
 * garbage per batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SpanEncodeBenchmarks {
  private static final int BATCH = 2048;

  private final OtlpTraceEncoder encoder = new OtlpTraceEncoder();
  private List<SpanData> spans;

  @Setup
  public void setUp() {
    List<SpanData> out = new ArrayList<>();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .addSpanProcessor(
                SimpleSpanProcessor.create(
                    SpanExporters.of(
                        spans -> {
                          out.addAll(spans);
                          return CompletableResultCode.ofSuccess();
                        })))
            .build();
    Tracer tracer = provider.get("dev.infertrace.proxy");
    for (int i = 0; i < BATCH; i++) {
      Span s =
          tracer
              .spanBuilder("chat llama-3.1-8b")
              .setSpanKind(SpanKind.SERVER)
              .setAttribute("http.request.method", "POST")
              .setAttribute("url.path", "/v1/chat/completions")
              .setAttribute("infertrace.role", "ingress")
              .setAttribute(LlmAttributes.REQUEST_ID, "5b0c7a3e-2b7d-4d43-9f1e-3f0e8b9f2a11")
              .setAttribute(LlmAttributes.OPERATION_NAME, "chat")
              .setAttribute(LlmAttributes.PROVIDER_NAME, "vllm")
              .setAttribute(LlmAttributes.REQUEST_MODEL, "llama-3.1-8b")
              .setAttribute(AttributeKey.booleanKey(LlmAttributes.REQUEST_STREAM), true)
              .setAttribute(LlmAttributes.REQUEST_MAX_TOKENS, 256L)
              .startSpan();
      s.setAttribute("http.response.status_code", 200L);
      s.setAttribute("server.address", "10.0.3.17");
      s.setAttribute("server.port", 8000L);
      s.setAttribute(LlmAttributes.RESPONSE_ID, "chatcmpl-7f1c" + i);
      s.setAttribute(LlmAttributes.RESPONSE_MODEL, "llama-3.1-8b");
      s.setAttribute(
          AttributeKey.stringArrayKey(LlmAttributes.RESPONSE_FINISH_REASONS), List.of("stop"));
      s.setAttribute(LlmAttributes.USAGE_INPUT_TOKENS, 41L);
      s.setAttribute(LlmAttributes.USAGE_OUTPUT_TOKENS, 256L);
      s.setAttribute(LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN, 0.083);
      s.setAttribute(LlmAttributes.LATENCY_TIME_PER_OUTPUT_TOKEN, 0.021);
      s.setAttribute(LlmAttributes.LATENCY_E2E, 5.44);
      s.end();
    }
    provider.shutdown().join(5, TimeUnit.SECONDS);
    spans = out;
  }

  /** The batch to one request's bytes (in the encoder's reused buffer). */
  @Benchmark
  public int batch() {
    return encoder.encode(spans).length();
  }
}
