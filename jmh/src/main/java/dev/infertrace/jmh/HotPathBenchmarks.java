package dev.infertrace.jmh;

import dev.infertrace.core.openai.OpenAiRequest;
import dev.infertrace.core.openai.OpenAiRequestSniffer;
import dev.infertrace.core.stream.ResponseTap;
import dev.infertrace.core.stream.SseObserver;
import dev.infertrace.core.stream.StreamSummary;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-request and per-chunk work the proxy adds: observing one SSE chunk as vLLM sends it,
 * sniffing a chat request body, and building an ended span with the proxy's attributes (exported to
 * a no-op exporter, so SDK span creation and attribute storage are counted, not OTLP encoding).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBenchmarks {
  private static final byte[] CHUNK =
      ("data: {\"id\":\"chatcmpl-7f1c\",\"object\":\"chat.completion.chunk\",\"created\":1732900000,"
              + "\"model\":\"llama-3.1-8b\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},"
              + "\"logprobs\":null,\"finish_reason\":null}]}\n\n")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] REQUEST =
      ("{\"model\":\"llama-3.1-8b\",\"stream\":true,\"max_tokens\":256,\"stream_options\":"
              + "{\"include_usage\":true},\"messages\":[{\"role\":\"system\",\"content\":\"You are"
              + " a helpful assistant for cluster operators.\"},{\"role\":\"user\",\"content\":\""
              + "Why is the p99 time to first token of the llama pool three times higher since"
              + " Tuesday, and which pods are involved?\"}]}")
          .getBytes(StandardCharsets.UTF_8);

  private static final byte[] RESPONSE =
      ("{\"id\":\"chatcmpl-7f1c\",\"object\":\"chat.completion\",\"created\":1732900000,"
              + "\"model\":\"llama-3.1-8b\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
              + "\"assistant\",\"content\":\"The p99 rose when the llama pool's queue grew on two"
              + " pods.\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{"
              + "\"prompt_tokens\":61,\"total_tokens\":75,\"completion_tokens\":14}}")
          .getBytes(StandardCharsets.UTF_8);

  private SseObserver observer;
  private long now;
  private SdkTracerProvider provider;
  private Tracer tracer;

  @Setup(Level.Iteration)
  public void setUp() {
    observer = new SseObserver();
    observer.onHeaders(System.nanoTime());
    provider =
        SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(new Discard()))
            .build();
    tracer = provider.get("bench");
  }

  @TearDown(Level.Iteration)
  public void tearDown() {
    provider.close();
  }

  /** One token chunk through the SSE observer (framing, JSON scan, gap histogram). */
  @Benchmark
  public void sseChunk() {
    now += 20_000_000L;
    observer.onBytes(CHUNK, 0, CHUNK.length, now);
  }

  /** The end-of-stream summary (once per request). */
  @Benchmark
  public StreamSummary sseSummary() {
    return observer.onEnd(now);
  }

  /**
   * A 400-byte non-streamed chat completion through a response tap: kept, then read for usage, id
   * and finish reason (once per such request; the proxy does it after the client has the body).
   */
  @Benchmark
  public StreamSummary jsonResponse() {
    ResponseTap tap = new ResponseTap(1024 * 1024);
    tap.onHeaders(now, "application/json");
    tap.onBytes(RESPONSE, 0, RESPONSE.length, now + 1);
    return tap.complete(now + 2);
  }

  /** Reading a 420-byte chat request for model, stream, max_tokens, prompt size. */
  @Benchmark
  public OpenAiRequest sniffRequest() {
    return OpenAiRequestSniffer.sniff("chat", REQUEST, 0, REQUEST.length);
  }

  /** A SERVER span with the proxy's usual 20 attributes, started and ended. */
  @Benchmark
  public void spanWithAttributes(Blackhole bh) {
    bh.consume(ChatSpan.record(tracer, "chatcmpl-7f1c"));
  }

  /** An exporter that keeps nothing. */
  static final class Discard implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
