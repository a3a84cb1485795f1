package dev.infertrace.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.engine.EnginePhases;
import dev.infertrace.proxy.otlp.OtlpReceiver;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Exact queue/prefill/decode phases from the engine's own span, and the fallback without it. */
class EnginePhasesTest {
  private final java.util.concurrent.ScheduledThreadPoolExecutor timer = EnginePhases.newTimer();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  private static SimConfig twin() {
    return SimConfig.loopback("m")
        .withEngine(
            new EngineConfig(
                16, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(3, 0, 0, 0.05)));
  }

  /** A tracer provider of {@code service} that exports each span as it ends. */
  private static io.opentelemetry.sdk.trace.SdkTracerProvider exportingAs(
      String service, io.opentelemetry.sdk.trace.export.SpanExporter exporter) {
    return io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
        .setResource(
            io.opentelemetry.sdk.resources.Resource.builder().put("service.name", service).build())
        .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(exporter))
        .build();
  }

  private void chat(String base, String requestId) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("X-Request-Id", requestId)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
                            + "a long prompt ".repeat(40)
                            + "\"}],\"max_tokens\":20,\"ignore_eos\":true,\"stream\":true}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"grpc", "http/protobuf"})
  void phasesComeFromTheEnginesSpanWhichIsRelayedUnderTheWorkerSpan(String protocol)
      throws Exception {
    try (TracedStack stack = new TracedStack(twin())) {
      OpenTelemetrySdk sdk = stack.sdk("exact-worker");
      OtlpGrpcSpanExporter relay =
          OtlpGrpcSpanExporter.builder().setEndpoint(stack.sink.grpcEndpoint()).build();
      EnginePhases engine =
          new EnginePhases(sdk.getTracer("test"), relay, Duration.ofSeconds(10), 1000, null, timer);
      try (OtlpReceiver receiver =
              OtlpReceiver.start(
                  new InetSocketAddress("127.0.0.1", 0),
                  new InetSocketAddress("127.0.0.1", 0),
                  engine,
                  true);
          Sim vllm =
              Sim.start(
                  twin()
                      .withTracing(
                          "http://127.0.0.1:" + receiver.grpcPort(),
                          "grpc",
                          Duration.ofMillis(50)));
          ProxyRuntime worker =
              ProxyRuntime.builder(
                      ProxyConfig.loopback(Role.WORKER, List.of(URI.create(vllm.baseUrl()))))
                  .openTelemetry(sdk)
                  .enginePhases(engine)
                  .start()) {
        chat(worker.baseUrl(), "exact-1");

        List<ReceivedSpan> spans =
            stack.sink.awaitSpans(
                s -> "exact-worker".equals(s.serviceName()) && s.name().startsWith("llm."),
                3,
                Duration.ofSeconds(10));
        ReceivedSpan vllmSpan =
            stack
                .sink
                .awaitSpans(s -> s.name().equals("llm_request"), 1, Duration.ofSeconds(10))
                .get(0);
        ReceivedSpan server =
            stack
                .sink
                .awaitSpans(
                    s -> "exact-worker".equals(s.serviceName()) && s.name().equals("chat m"),
                    1,
                    Duration.ofSeconds(10))
                .get(0);

        assertThat(spans)
            .extracting(ReceivedSpan::name)
            .containsExactlyInAnyOrder("llm.queue", "llm.prefill", "llm.decode");
        assertThat(spans)
            .allSatisfy(s -> assertThat(s.attribute("llm.phase.source")).isEqualTo("engine"));
        assertThat(spans).allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(server.spanId()));
        assertThat(vllmSpan.parentSpanId())
            .as("vLLM's span, relayed unchanged")
            .isEqualTo(server.spanId());
        assertThat(vllmSpan.serviceName()).isEqualTo("vllm");
        for (String[] pair :
            new String[][] {
              {"llm.queue", "gen_ai.latency.time_in_queue"},
              {"llm.prefill", "gen_ai.latency.time_in_model_prefill"},
              {"llm.decode", "gen_ai.latency.time_in_model_decode"}
            }) {
          ReceivedSpan phase =
              spans.stream().filter(s -> s.name().equals(pair[0])).findFirst().orElseThrow();
          double seconds = (phase.endEpochNanos() - phase.startEpochNanos()) / 1e9;
          assertThat(seconds)
              .as(pair[0] + " vs the engine's " + pair[1])
              .isCloseTo(
                  (Double) vllmSpan.attribute(pair[1]), org.assertj.core.data.Offset.offset(0.001));
        }
        ReceivedSpan prefill =
            spans.stream().filter(s -> s.name().equals("llm.prefill")).findFirst().orElseThrow();
        assertThat((Double) vllmSpan.attribute("gen_ai.latency.time_in_model_prefill"))
            .as("a 500-token prompt at 0.05 ms/token")
            .isGreaterThan(0.01);
        assertThat(prefill.endEpochNanos())
            .isEqualTo(
                vllmSpan.startEpochNanos()
                    + Math.round(
                        (Double) vllmSpan.attribute("gen_ai.latency.time_to_first_token") * 1e9));
        assertThat(engine.matched()).isEqualTo(1);
        assertThat(engine.fellBack()).isZero();
        // the request's wait was canceled by the match: it is not left in the timer's queue
        assertThat(timer.getQueue())
            .as("waits in the timer's queue")
            .noneMatch(task -> ((java.util.concurrent.Future<?>) task).isCancelled());
      }
    }
  }

  @Test
  void withoutAnEngineSpanTheStreamMeasuredPhasesComeAfterTheWait() throws Exception {
    try (TracedStack stack = new TracedStack(twin())) {
      OpenTelemetrySdk sdk = stack.sdk("fallback-worker");
      EnginePhases engine =
          new EnginePhases(
              sdk.getTracer("test"),
              OtlpGrpcSpanExporter.builder().setEndpoint(stack.sink.grpcEndpoint()).build(),
              Duration.ofMillis(300),
              1000,
              null,
              timer);
      try (ProxyRuntime worker =
          ProxyRuntime.builder(
                  ProxyConfig.loopback(Role.WORKER, List.of(URI.create(stack.sim.baseUrl()))))
              .openTelemetry(sdk)
              .enginePhases(engine)
              .start()) {
        chat(worker.baseUrl(), "fallback-1");

        List<ReceivedSpan> phases =
            stack.sink.awaitSpans(
                s -> "fallback-worker".equals(s.serviceName()) && s.name().startsWith("llm."),
                2,
                Duration.ofSeconds(10));

        assertThat(phases)
            .extracting(ReceivedSpan::name)
            .containsExactlyInAnyOrder("llm.first_token_wait", "llm.decode");
        assertThat(phases)
            .allSatisfy(s -> assertThat(s.attribute("llm.phase.source")).isEqualTo("stream"));
        assertThat(engine.fellBack()).isEqualTo(1);
        assertThat(engine.matched()).isZero();
      }
    }
  }

  /**
   * A request waits up to the span wait (15 s by default) for vLLM's span, and a vLLM that exports
   * no spans makes every request wait it out. What waits must be small: the ended SERVER span, with
   * all its attributes, is the exporter's to drop once sent, and the phases need only its context.
   * Tried: a SERVER span ended, exported to the sink and then handed to the engine to wait for its
   * engine span; after a full collection it must be gone from the heap while it still waits, and
   * its phases, made after the wait, must still name it as their parent.
   */
  @Test
  void aWaitingRequestKeepsItsServerSpansContextNotTheSpan() throws Exception {
    try (var sink = dev.infertrace.testbed.otlp.OtlpSink.start()) {
      OtlpGrpcSpanExporter exporter =
          OtlpGrpcSpanExporter.builder().setEndpoint(sink.grpcEndpoint()).build();
      var provider = exportingAs("waiting-worker", exporter);
      var tracer = provider.get("test");
      EnginePhases engine =
          new EnginePhases(tracer, exporter, Duration.ofSeconds(3), 10, null, timer);
      long t0 = System.currentTimeMillis() * 1_000_000L;
      io.opentelemetry.api.trace.Span server =
          tracer
              .spanBuilder("chat m")
              .setSpanKind(io.opentelemetry.api.trace.SpanKind.SERVER)
              .setAttribute("filler", "x".repeat(4096))
              .setStartTimestamp(t0, java.util.concurrent.TimeUnit.NANOSECONDS)
              .startSpan();
      String serverId = server.getSpanContext().getSpanId();
      server.end(t0 + 40_000_000L, java.util.concurrent.TimeUnit.NANOSECONDS);
      sink.awaitSpans(s -> s.name().equals("chat m"), 1, Duration.ofSeconds(10));
      engine.expect(server, "waiting-1", t0 + 1_000_000L, t0 + 10_000_000L, t0 + 39_000_000L);
      java.lang.ref.WeakReference<Object> ended = new java.lang.ref.WeakReference<>(server);
      server = null;

      for (int i = 0; i < 50 && ended.get() != null; i++) {
        System.gc();
        Thread.sleep(20);
      }
      assertThat(engine.counts().fellBack()).as("still waiting when the heap was checked").isZero();
      assertThat(ended.get()).as("the ended SERVER span, after a full collection").isNull();

      List<ReceivedSpan> phases =
          sink.awaitSpans(s -> s.name().startsWith("llm."), 2, Duration.ofSeconds(10));
      assertThat(phases)
          .extracting(ReceivedSpan::name)
          .containsExactlyInAnyOrder("llm.first_token_wait", "llm.decode");
      assertThat(phases).allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(serverId));
      assertThat(engine.fellBack()).isEqualTo(1);
      provider.shutdown();
    }
  }

  @Test
  void spansThatMatchNoRequestAreRelayedUntouched() throws Exception {
    try (var sink = dev.infertrace.testbed.otlp.OtlpSink.start()) {
      EnginePhases engine =
          new EnginePhases(
              io.opentelemetry.api.OpenTelemetry.noop().getTracer("t"),
              OtlpGrpcSpanExporter.builder().setEndpoint(sink.grpcEndpoint()).build(),
              Duration.ofSeconds(1),
              10,
              null,
              timer);
      try (OtlpReceiver receiver =
          OtlpReceiver.start(
              new InetSocketAddress("127.0.0.1", 0),
              new InetSocketAddress("127.0.0.1", 0),
              engine,
              true)) {
        var exporter =
            OtlpGrpcSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + receiver.grpcPort())
                .build();
        var provider = exportingAs("vllm", exporter);
        provider
            .get("vllm.llm_engine")
            .spanBuilder("llm_request")
            .setAttribute("gen_ai.request.id", "chatcmpl-nobody")
            .startSpan()
            .end();
        provider.forceFlush().join(5, java.util.concurrent.TimeUnit.SECONDS);

        ReceivedSpan relayed =
            sink.awaitSpans(s -> s.name().equals("llm_request"), 1, Duration.ofSeconds(10)).get(0);

        assertThat(relayed.serviceName()).isEqualTo("vllm");
        assertThat(relayed.attribute("gen_ai.request.id")).isEqualTo("chatcmpl-nobody");
        assertThat(relayed.scope().getName()).isEqualTo("vllm.llm_engine");
        assertThat(engine.relayed()).isEqualTo(1);
        assertThat(engine.matched()).isZero();
        assertThat(engine.counts())
            .as("the accessor /metrics renders")
            .isEqualTo(new dev.infertrace.proxy.engine.EnginePhases.Counts(0, 0, 0, 1));
        provider.shutdown();
      }
    }
  }

  @Test
  void theReceiverRefusesPeersThatAreNotLoopback() throws Exception {
    java.net.InetAddress external = nonLoopbackAddress();
    EnginePhases engine =
        new EnginePhases(
            io.opentelemetry.api.OpenTelemetry.noop().getTracer("t"),
            io.opentelemetry.sdk.trace.export.SpanExporter.composite(),
            Duration.ofSeconds(1),
            10,
            null,
            timer);
    try (OtlpReceiver receiver =
        OtlpReceiver.start(
            new InetSocketAddress("0.0.0.0", 0),
            new InetSocketAddress("0.0.0.0", 0),
            engine,
            true)) {
      HttpResponse<String> viaExternal =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://"
                              + external.getHostAddress()
                              + ":"
                              + receiver.httpPort()
                              + "/v1/traces"))
                  .header("Content-Type", "application/x-protobuf")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> viaLoopback =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + receiver.httpPort() + "/v1/traces"))
                  .header("Content-Type", "application/x-protobuf")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(viaExternal.statusCode()).isEqualTo(403);
      assertThat(viaExternal.body()).contains("only loopback peers");
      assertThat(viaLoopback.statusCode()).as("an empty export is valid").isEqualTo(200);
    }
  }

  private static java.net.InetAddress nonLoopbackAddress() throws Exception {
    for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      for (var a : java.util.Collections.list(nic.getInetAddresses())) {
        if (!a.isLoopbackAddress() && a instanceof java.net.Inet4Address && nic.isUp()) {
          return a;
        }
      }
    }
    throw new AssertionError("this test needs a non-loopback IPv4 interface; none is up");
  }
}
