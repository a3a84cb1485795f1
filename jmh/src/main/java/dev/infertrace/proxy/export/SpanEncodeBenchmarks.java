package dev.infertrace.proxy.export;

import dev.infertrace.jmh.ChatSpan;
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
 * thread does (divide by 2048 for a span). Here the spans were made by the encoding thread itself;
 * in the proxy the event loop makes them and the queue's thread encodes them, so this is the
 * encoding's own cost, not all of that thread's (BENCHMARKS.md). In package {@code
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
      ChatSpan.record(tracer, "chatcmpl-7f1c" + i);
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
