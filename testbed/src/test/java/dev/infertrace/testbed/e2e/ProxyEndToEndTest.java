package dev.infertrace.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The proxy end to end on loopback: trace tree and values against the twin's own truth. */
class ProxyEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER = "00f067aa0ba902b7";
  private final HttpClient http = HttpClient.newHttpClient();

  private static SimConfig twin() {
    return SimConfig.loopback("m")
        .withEngine(
            new EngineConfig(
                16, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(2, 0, 0, 0.01)));
  }

  private HttpResponse<String> chat(String base, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void oneTraceFromIngressToWorkerWithPhasesAndTheTwinsNumbers() throws Exception {
    try (TracedStack stack = new TracedStack(twin())) {
      String body =
          "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"secret prompt\"}],"
              + "\"max_tokens\":12,\"ignore_eos\":true,\"stream\":true,"
              + "\"stream_options\":{\"include_usage\":true},"
              + "\"Authorization\":\"not-a-header\"}";
      HttpResponse<String> r =
          chat(
              stack.ingress.baseUrl(),
              body,
              Map.of(
                  "traceparent", "00-" + TRACE + "-" + CALLER + "-01",
                  "Authorization", "Bearer sk-secret",
                  "X-Request-Id", "e2e-1"));

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-request-id")).hasValue("e2e-1");
      assertThat(r.body()).contains("chatcmpl-e2e-1").endsWith("data: [DONE]\n\n");
      List<ReceivedSpan> spans =
          stack.sink.awaitSpans(s -> s.traceId().equals(TRACE), 5, Duration.ofSeconds(10));
      Map<String, ReceivedSpan> byKey =
          spans.stream()
              .collect(
                  Collectors.toMap(
                      s -> s.serviceName() + "/" + s.kind() + "/" + s.name(), Function.identity()));

      ReceivedSpan ingressServer = byKey.get("infertrace-ingress/SPAN_KIND_SERVER/chat m");
      ReceivedSpan ingressClient = byKey.get("infertrace-ingress/SPAN_KIND_CLIENT/chat m");
      ReceivedSpan workerServer = byKey.get("infertrace-worker/SPAN_KIND_SERVER/chat m");
      ReceivedSpan firstTokenWait =
          byKey.get("infertrace-worker/SPAN_KIND_INTERNAL/llm.first_token_wait");
      ReceivedSpan decode = byKey.get("infertrace-worker/SPAN_KIND_INTERNAL/llm.decode");
      assertThat(ingressServer.parentSpanId()).isEqualTo(CALLER);
      assertThat(ingressClient.parentSpanId()).isEqualTo(ingressServer.spanId());
      assertThat(workerServer.parentSpanId()).isEqualTo(ingressClient.spanId());
      assertThat(firstTokenWait.parentSpanId()).isEqualTo(workerServer.spanId());
      assertThat(decode.parentSpanId()).isEqualTo(workerServer.spanId());
      assertThat(firstTokenWait.attribute("llm.phase.source")).isEqualTo("stream");

      for (ReceivedSpan s : List.of(ingressServer, workerServer)) {
        assertThat(s.attribute("gen_ai.operation.name")).isEqualTo("chat");
        assertThat(s.attribute("gen_ai.request.model")).isEqualTo("m");
        assertThat(s.attribute("gen_ai.request.max_tokens")).isEqualTo(12L);
        assertThat(s.attribute("gen_ai.request.stream")).isEqualTo(true);
        assertThat(s.attribute("gen_ai.usage.output_tokens")).as("= usage").isEqualTo(12L);
        assertThat(s.attribute("gen_ai.usage.input_tokens"))
            .as("the twin's prompt length")
            .isEqualTo(
                (long)
                    dev.infertrace.testbed.sim.engine.PromptEncoder.chat(
                            List.of(
                                new dev.infertrace.testbed.sim.engine.PromptEncoder.Message(
                                    "user", "secret prompt")))
                        .length);
        assertThat(s.attribute("gen_ai.response.id")).isEqualTo("chatcmpl-e2e-1");
        assertThat(s.attribute("gen_ai.response.finish_reasons")).isEqualTo(List.of("length"));
        assertThat(s.attribute("http.response.status_code")).isEqualTo(200L);
        assertThat(s.attribute("llm.request.id")).isEqualTo("e2e-1");
      }
      double ingressTtft = (Double) ingressServer.attribute("gen_ai.latency.time_to_first_token");
      double workerTtft = (Double) workerServer.attribute("gen_ai.latency.time_to_first_token");
      assertThat(ingressTtft).isGreaterThanOrEqualTo(workerTtft).isPositive();
      // The CLIENT span times the hop from the forward and leaves the GenAI attributes to its
      // parent: between the two SERVER spans' TTFTs.
      double hopTtft = (Double) ingressClient.attribute("gen_ai.latency.time_to_first_token");
      assertThat(hopTtft).isBetween(workerTtft, ingressTtft);
      assertThat((Double) ingressClient.attribute("gen_ai.latency.e2e"))
          .isLessThanOrEqualTo((Double) ingressServer.attribute("gen_ai.latency.e2e"));
      assertThat(ingressClient.attribute("http.response.status_code")).isEqualTo(200L);
      assertThat(ingressClient.attribute("gen_ai.request.model")).isNull();
      assertThat(ingressClient.attribute("gen_ai.usage.output_tokens")).isNull();
      assertThat((Double) ingressServer.attribute("gen_ai.latency.time_to_ack"))
          .isLessThanOrEqualTo(ingressTtft);
      assertThat((Double) ingressServer.attribute("gen_ai.latency.inter_token.p50")).isPositive();
      assertThat(decode.endEpochNanos()).isLessThanOrEqualTo(workerServer.endEpochNanos());
      // No prompt text and no credentials anywhere in what was exported.
      for (ReceivedSpan s : spans) {
        assertThat(s.span().toString()).doesNotContain("secret prompt", "sk-secret");
      }
    }
  }

  @Test
  void nonLlmPathsGetPlainHttpSpansAndMalformedJsonIsRelayedWithTheUpstreams400() throws Exception {
    try (TracedStack stack = new TracedStack(twin())) {
      HttpResponse<String> bad = chat(stack.ingress.baseUrl(), "{\"model\": \"m\", ", Map.of());
      HttpResponse<String> models =
          http.send(
              HttpRequest.newBuilder(URI.create(stack.ingress.baseUrl() + "/v1/models")).build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(JSON.readTree(bad.body()).at("/error/type").asText()).isEqualTo("BadRequestError");
      assertThat(models.statusCode()).isEqualTo(200);
      List<ReceivedSpan> servers =
          stack.sink.awaitSpans(
              s ->
                  s.serviceName().equals("infertrace-ingress")
                      && s.kind() == SpanKind.SPAN_KIND_SERVER,
              2,
              Duration.ofSeconds(10));
      ReceivedSpan chat =
          servers.stream().filter(s -> s.name().equals("chat")).findFirst().orElseThrow();
      ReceivedSpan get =
          servers.stream().filter(s -> s.name().equals("GET")).findFirst().orElseThrow();
      assertThat(chat.attribute("http.response.status_code")).isEqualTo(400L);
      assertThat(chat.attribute("gen_ai.request.model")).as("unreadable body").isNull();
      assertThat(chat.span().getStatus().getCode())
          .as("4xx is the caller's")
          .isNotEqualTo(StatusCode.STATUS_CODE_ERROR);
      assertThat(get.attribute("gen_ai.operation.name")).isNull();
      assertThat(get.attribute("url.path")).isEqualTo("/v1/models");
    }
  }

  @Test
  void aRefusedUpstreamIsA502WithAnErrorSpanAndAHungOneA504() throws Exception {
    try (TracedStack stack = new TracedStack(twin())) {
      int closed = FreePorts.next(); // nothing listens there: none hands it out again
      ProxyConfig refused =
          ProxyConfig.loopback(Role.INGRESS, List.of(URI.create("http://127.0.0.1:" + closed)));
      try (var proxy =
          dev.infertrace.proxy.ProxyRuntime.builder(refused)
              .openTelemetry(stack.sdk("refused"))
              .start()) {
        HttpResponse<String> r =
            chat(proxy.baseUrl(), "{\"model\":\"m\",\"messages\":[]}", Map.of());
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(JSON.readTree(r.body()).at("/error/type").asText())
            .isEqualTo("upstream_unavailable");
        assertThat(proxy.server().stats().upstreamUnavailable()).isEqualTo(1);
      }
      ReceivedSpan failed =
          stack
              .sink
              .awaitSpans(
                  s -> "refused".equals(s.serviceName()) && s.kind() == SpanKind.SPAN_KIND_SERVER,
                  1,
                  Duration.ofSeconds(10))
              .get(0);
      assertThat(failed.attribute("error.type")).isEqualTo("upstream_unavailable");
      assertThat(failed.span().getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);

      ProxyConfig base =
          ProxyConfig.loopback(Role.INGRESS, List.of(URI.create(stack.worker.baseUrl())));
      ProxyConfig impatient = base.toBuilder().responseTimeout(Duration.ofMillis(300)).build();
      stack.sim.faults().add(FaultSpec.parse("stall:durationSeconds=2"));
      try (var proxy =
          dev.infertrace.proxy.ProxyRuntime.builder(impatient)
              .openTelemetry(stack.sdk("impatient"))
              .start()) {
        HttpResponse<String> r =
            chat(
                proxy.baseUrl(),
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":2}",
                Map.of());
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(JSON.readTree(r.body()).at("/error/type").asText())
            .isEqualTo("upstream_timeout");
      }
    }
  }

  @Test
  void aClientThatHangsUpMidStreamAbortsTheEngineRequestQuickly() throws Exception {
    SimConfig slow =
        SimConfig.loopback("m")
            .withEngine(
                new EngineConfig(
                    16, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(20, 0, 0, 0)));
    try (TracedStack stack = new TracedStack(slow)) {
      String body =
          "{\"model\":\"m\",\"prompt\":\"go\",\"max_tokens\":1000,\"ignore_eos\":true,\"stream\":true}";
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", stack.ingress.address().getPort()));
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: "
                    + body.length()
                    + "\r\n\r\n"
                    + body)
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder seen = new StringBuilder();
        while (!seen.toString().contains("\"text\":\"")) {
          seen.append((char) in.read());
        }
        assertThat(stack.sim.engine().running()).isEqualTo(1);
      }
      long closed = System.nanoTime();
      while (stack.sim.engine().running() != 0 && System.nanoTime() - closed < 2_000_000_000L) {
        Thread.sleep(1);
      }
      assertThat(stack.sim.engine().running()).isZero();
      // Within a few 20 ms steps, not after the 1000 tokens (20 s) asked for; the bound leaves
      // room for a collection or a starved core on a shared CI machine.
      assertThat((System.nanoTime() - closed) / 1e6)
          .as("ms until the twin aborted")
          .isLessThan(1000);
      ReceivedSpan cancelled =
          stack
              .sink
              .awaitSpans(
                  s ->
                      Boolean.TRUE.equals(s.attribute("llm.cancelled"))
                          && s.kind() == SpanKind.SPAN_KIND_SERVER,
                  2,
                  Duration.ofSeconds(10))
              .get(0);
      assertThat(cancelled.attribute("error.type")).isNull();
      assertThat(stack.ingress.stats().cancelled()).isEqualTo(1);
    }
  }

  @Test
  void oversizedHeadersAre431AndASlowClientIs408() throws Exception {
    try (TracedStack stack = new TracedStack(twin())) {
      try (Socket socket = new Socket("127.0.0.1", stack.ingress.address().getPort())) {
        socket.setSoTimeout(5000);
        socket
            .getOutputStream()
            .write(
                ("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII))
            .isEqualTo("HTTP/1.1 431");
      }
      ProxyConfig base =
          ProxyConfig.loopback(Role.INGRESS, List.of(URI.create(stack.worker.baseUrl())));
      ProxyConfig strict = base.toBuilder().requestTimeout(Duration.ofMillis(300)).build();
      try (var proxy =
              dev.infertrace.proxy.ProxyRuntime.builder(strict)
                  .openTelemetry(stack.sdk("strict"))
                  .start();
          Socket socket = new Socket("127.0.0.1", proxy.address().getPort())) {
        socket.setSoTimeout(5000);
        socket
            .getOutputStream()
            .write(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"mo"
                    .getBytes(StandardCharsets.US_ASCII));
        String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        assertThat(head).isEqualTo("HTTP/1.1 408");
        assertThat(proxy.server().stats().requestTimeouts()).isEqualTo(1);
      }
    }
  }

  @Test
  void aDeadCollectorCostsSpansNeverRequests() throws Exception {
    try (TracedStack stack = new TracedStack(twin())) {
      int dead = FreePorts.next(); // nothing listens there: none hands it out again
      var telemetry =
          dev.infertrace.proxy.ProxyTelemetry.Telemetry.of(
              "infertrace-ingress",
              dev.infertrace.proxy.export.SpanQueue.builder(
                      io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter.builder()
                          .setEndpoint("http://127.0.0.1:" + dead)
                          .setTimeout(Duration.ofMillis(200))
                          .build())
                  .scheduleDelay(Duration.ofMillis(10))
                  .maxQueueSize(8));
      var deadSdk = telemetry.sdk();
      ProxyConfig config =
          ProxyConfig.loopback(Role.INGRESS, List.of(URI.create(stack.worker.baseUrl())));
      try (var proxy =
          dev.infertrace.proxy.ProxyRuntime.builder(config).telemetry(telemetry).start()) {
        for (int i = 0; i < 20; i++) {
          HttpResponse<String> r =
              chat(
                  proxy.baseUrl(),
                  "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":3,\"stream\":true}",
                  Map.of());
          assertThat(r.statusCode()).as("request %d with the collector down", i).isEqualTo(200);
          assertThat(r.body()).endsWith("data: [DONE]\n\n");
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (telemetry.spans().counts().exportFailed() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        var page =
            dev.infertrace.core.metrics.PrometheusText.parse(proxy.server().metrics().render());
        assertThat(
                page.value(
                    "infertrace_spans_total", "outcome", "dropped", "reason", "export_failed"))
            .as("the dropped-span counter rises")
            .isPositive();
        assertThat(page.value("infertrace_spans_total", "outcome", "exported")).isZero();
      } finally {
        deadSdk.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void slosAreJudgedPerRequestAndTheAdminEndpointCountsThemWithExemplars() throws Exception {
    ProxyConfig withSlo =
        ProxyConfig.loopback(Role.INGRESS, List.of(URI.create("http://unused:1"))).toBuilder()
            .slos(Map.of("m", new dev.infertrace.core.slo.SloTarget(10.0, 10.0)))
            .build();
    try (TracedStack stack = new TracedStack(twin(), withSlo);
        var admin =
            dev.infertrace.proxy.admin.AdminServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                stack.ingress.metrics()::render,
                stack.ingress::isOpen)) {
      String body =
          "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":4,\"stream\":true}";
      assertThat(chat(stack.ingress.baseUrl(), body, Map.of()).statusCode()).isEqualTo(200);
      assertThat(
              chat(stack.ingress.baseUrl(), body, Map.of("x-llm-d-slo-ttft-ms", "0.001"))
                  .statusCode())
          .isEqualTo(200);

      List<ReceivedSpan> servers =
          stack.sink.awaitSpans(
              s ->
                  "infertrace-ingress".equals(s.serviceName())
                      && s.kind() == SpanKind.SPAN_KIND_SERVER,
              2,
              Duration.ofSeconds(10));
      assertThat(servers)
          .extracting(s -> s.attribute("llm.slo.met"))
          .containsExactlyInAnyOrder(true, false);
      assertThat(servers)
          .extracting(s -> s.attribute("llm.slo.ttft"))
          .containsExactlyInAnyOrder(10.0, 0.000001);

      String base = "http://127.0.0.1:" + admin.address().getPort();
      HttpResponse<String> metrics =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.headers().firstValue("content-type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/openmetrics-text"));
      assertThat(metrics.body()).endsWith("# EOF\n");
      var page = dev.infertrace.core.metrics.PrometheusText.parse(metrics.body());
      assertThat(page.problems()).isEmpty();
      assertThat(page.value("infertrace_slo_total", "result", "met")).isEqualTo(1);
      assertThat(page.value("infertrace_slo_total", "result", "missed")).isEqualTo(1);
      assertThat(page.value("infertrace_requests_total", "status", "200")).isEqualTo(2);
      assertThat(page.value("infertrace_finish_reasons_total", "reason", "length")).isEqualTo(2);
      assertThat(page.value("gen_ai_server_time_to_first_token_seconds_count", "model", "m"))
          .isEqualTo(2);
      // Each histogram bucket that saw a request links to one of the traces.
      assertThat(metrics.body())
          .containsPattern(
              "gen_ai_server_request_duration_seconds_bucket\\{[^}]*\\} \\d+ # \\{trace_id=\"("
                  + servers.get(0).traceId()
                  + "|"
                  + servers.get(1).traceId()
                  + ")\"\\}");
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/ready")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void aJsonResponseIsReadForBothServerSpansOnceTheClientHasIt() throws Exception {
    // Not streamed: the proxies read the JSON body for usage, id and finish reason after its last
    // bytes went to the client. Whatever the twin answered must be on both SERVER spans, and the
    // end-to-end latency must still end where the upstream's response ended, inside the span.
    String trace = "5cf92f3577b34da6a3ce929d0e0e4737";
    try (TracedStack stack = new TracedStack(twin())) {
      HttpResponse<String> r =
          chat(
              stack.ingress.baseUrl(),
              "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                  + "\"max_tokens\":7,\"ignore_eos\":true}",
              Map.of("traceparent", "00-" + trace + "-" + CALLER + "-01"));

      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode answer = JSON.readTree(r.body());
      List<ReceivedSpan> servers =
          stack.sink.awaitSpans(
              s -> s.traceId().equals(trace) && s.kind() == SpanKind.SPAN_KIND_SERVER,
              2,
              Duration.ofSeconds(10));
      for (ReceivedSpan s : servers) {
        assertThat(s.attribute("gen_ai.usage.output_tokens"))
            .as(s.serviceName())
            .isEqualTo(answer.at("/usage/completion_tokens").asLong())
            .isEqualTo(7L);
        assertThat(s.attribute("gen_ai.usage.input_tokens"))
            .isEqualTo(answer.at("/usage/prompt_tokens").asLong());
        assertThat(s.attribute("gen_ai.response.id")).isEqualTo(answer.at("/id").asText());
        assertThat(s.attribute("gen_ai.response.finish_reasons")).isEqualTo(List.of("length"));
        double e2e = (Double) s.attribute("gen_ai.latency.e2e");
        assertThat(e2e).isPositive();
        // A worker's SERVER span ends when the response does, so e2e may equal its duration; the
        // attribute is seconds in a double, hence the microsecond of slack.
        assertThat(e2e * 1e9)
            .isLessThanOrEqualTo(s.endEpochNanos() - s.startEpochNanos() + 1_000.0);
      }
    }
  }

  @Test
  void bodiesOverTheSniffLimitStreamThroughUntouchedAndAreTracedWithoutBodyAttributes()
      throws Exception {
    try (TracedStack stack = new TracedStack(twin())) {
      ProxyConfig base =
          ProxyConfig.loopback(Role.WORKER, List.of(URI.create(stack.sim.baseUrl())));
      ProxyConfig tiny = base.toBuilder().sniffLimitBytes(64).build();
      try (var proxy =
          dev.infertrace.proxy.ProxyRuntime.builder(tiny)
              .openTelemetry(stack.sdk("tiny"))
              .start()) {
        String big =
            "{\"model\":\"m\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "word ".repeat(2000)
                + "\"}]}";
        HttpResponse<String> r = chat(proxy.baseUrl(), big, Map.of());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).at("/usage/prompt_tokens").asInt())
            .as("the twin saw the whole prompt")
            .isGreaterThan(2000);
      }
      ReceivedSpan span =
          stack
              .sink
              .awaitSpans(s -> "tiny".equals(s.serviceName()), 1, Duration.ofSeconds(10))
              .get(0);
      assertThat(span.name()).isEqualTo("chat");
      assertThat(span.attribute("gen_ai.request.model")).isNull();
      assertThat(span.attribute("gen_ai.usage.input_tokens"))
          .as("the response is still read")
          .isNotNull();
    }
  }

  @SuppressWarnings("unused")
  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }
}
