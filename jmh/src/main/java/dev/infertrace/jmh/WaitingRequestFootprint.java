package dev.infertrace.jmh;

import dev.infertrace.proxy.engine.EnginePhases;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The heap a worker keeps per request that waits for vLLM's span ({@code --engine-span-wait}, 15 s
 * by default, and every streamed request waits it out when vLLM exports no spans): N ended SERVER
 * spans, each handed to {@link EnginePhases#expect} as the worker hands them, and the heap after
 * full collections, before and after, divided by N. The spans carry what a worker's SERVER span of
 * a streamed chat request carries in kind and size: 27 attributes (strings, longs, doubles, a
 * boolean) and one event. Not a JMH benchmark (it measures what stays, not time):
 *
 * <pre>java -XX:+UseSerialGC -cp jmh/target/infertrace-jmh.jar \
 *     dev.infertrace.jmh.WaitingRequestFootprint 10000</pre>
 */
public final class WaitingRequestFootprint {
  private WaitingRequestFootprint() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    SpanExporter discard = new HotPathBenchmarks.Discard();
    SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(discard)).build();
    Tracer tracer = provider.get("footprint");
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    // a wait longer than the run and a cap above N: every request is still waiting at the end
    EnginePhases engine =
        new EnginePhases(tracer, discard, Duration.ofMinutes(10), n + 1, null, timer);
    long before = usedAfterFullCollections();
    for (int i = 0; i < n; i++) {
      Span server = serverSpan(tracer, i);
      long t = System.nanoTime();
      engine.expect(server, "req-" + i + "-0f3a9c", t, t + 180_000_000L, t + 2_400_000_000L);
    }
    long after = usedAfterFullCollections();
    if (engine.counts().fellBack() != 0 || engine.counts().evicted() != 0) {
      throw new IllegalStateException("a request stopped waiting during the count");
    }
    System.out.printf(
        "%d requests waiting for their engine span: %,.0f bytes of heap each (%,.1f MB in all)%n",
        n, (after - before) / (double) n, (after - before) / 1e6);
    timer.shutdownNow();
    provider.shutdown();
  }

  private static Span serverSpan(Tracer tracer, int i) {
    Span s =
        tracer
            .spanBuilder("chat meta-llama/Llama-3.1-8B-Instruct")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("http.request.method", "POST")
            .setAttribute("url.path", "/v1/chat/completions")
            .setAttribute("server.address", "10.0.3.17")
            .setAttribute("server.port", 8000L)
            .setAttribute("client.address", "10.0.3." + (i % 250))
            .setAttribute("network.peer.port", 40_000L + i % 20_000)
            .setAttribute("gen_ai.operation.name", "chat")
            .setAttribute("gen_ai.request.model", "meta-llama/Llama-3.1-8B-Instruct")
            .setAttribute("gen_ai.request.max_tokens", 256L)
            .setAttribute("llm.request.stream", true)
            .setAttribute("llm.request.id", "req-" + i + "-0f3a9c")
            .startSpan();
    s.setAttribute("gen_ai.response.model", "meta-llama/Llama-3.1-8B-Instruct");
    s.setAttribute("gen_ai.response.id", "chatcmpl-" + Long.toHexString(i * 2_654_435_761L));
    s.setAttribute("gen_ai.usage.input_tokens", 512L);
    s.setAttribute("gen_ai.usage.output_tokens", 256L);
    s.setAttribute("gen_ai.response.finish_reasons", "stop");
    s.setAttribute("gen_ai.latency.time_to_first_token", 0.183);
    s.setAttribute("gen_ai.latency.e2e", 2.41);
    s.setAttribute("llm.latency.time_per_output_token", 0.0087);
    s.setAttribute("http.response.status_code", 200L);
    s.setAttribute("vllm.num_requests_running", 12.0);
    s.setAttribute("vllm.num_requests_waiting", 3.0);
    s.setAttribute("vllm.kv_cache_usage_perc", 0.61);
    s.setAttribute("gpu.utilization", 0.93);
    s.setAttribute("gpu.memory.used_mib", 61_234.0);
    s.setAttribute("gpu.sm_clock_mhz", 1_980.0);
    s.setAttribute("gpu.power_w", 612.0);
    s.addEvent("gen_ai.first_token");
    s.end();
    return s;
  }

  private static long usedAfterFullCollections() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
