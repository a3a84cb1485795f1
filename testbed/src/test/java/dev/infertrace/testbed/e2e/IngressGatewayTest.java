package dev.infertrace.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.ProxyServer;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.epp.EndpointView;
import dev.infertrace.proxy.epp.EppClient;
import dev.infertrace.proxy.epp.EppInterposer;
import dev.infertrace.testbed.epp.RefEpp;
import dev.infertrace.testbed.epp.Scorer;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The ingress as the gateway ({@code --epp}): an Envoy-faithful ext_proc client. A scripted EPP
 * plays each answer the real one can give (route with mutations, 429, close, hang); the requests go
 * to a real twin behind a real worker proxy, and every span is read back from OTLP.
 */
class IngressGatewayTest {
  private static final String EPP_SPAN = "envoy.service.ext_proc.v3.ExternalProcessor/Process";
  private final HttpClient http = HttpClient.newHttpClient();

  /** An EPP that answers as told, and records what it was sent. */
  static final class ScriptedEpp extends ExternalProcessorGrpc.ExternalProcessorImplBase {
    enum Mode {
      ROUTE,
      SHED,
      CLOSE,
      HANG
    }

    volatile Mode mode = Mode.ROUTE;
    volatile String destination = "";
    final List<ProcessingRequest> seen = new CopyOnWriteArrayList<>();
    final AtomicInteger cancelled = new AtomicInteger();
    final AtomicInteger completed = new AtomicInteger();

    @Override
    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
      return new StreamObserver<>() {
        @Override
        public synchronized void onNext(ProcessingRequest r) {
          seen.add(r);
          if (r.hasRequestBody() && r.getRequestBody().getEndOfStream()) {
            switch (mode) {
              case ROUTE -> route(r.getRequestBody().getBody().toStringUtf8());
              case SHED ->
                  out.onNext(
                      ProcessingResponse.newBuilder()
                          .setImmediateResponse(
                              ImmediateResponse.newBuilder()
                                  .setStatus(
                                      HttpStatus.newBuilder().setCode(StatusCode.TooManyRequests))
                                  .setHeaders(
                                      HeaderMutation.newBuilder()
                                          .addSetHeaders(header("retry-after", "1")))
                                  .setBody(ByteString.copyFromUtf8("{\"error\":\"shed\"}")))
                          .build());
              case CLOSE -> out.onCompleted();
              case HANG -> {}
            }
          } else if (r.hasResponseHeaders()) {
            out.onNext(
                ProcessingResponse.newBuilder()
                    .setResponseHeaders(
                        HeadersResponse.newBuilder()
                            .setResponse(
                                CommonResponse.newBuilder()
                                    .setHeaderMutation(
                                        HeaderMutation.newBuilder()
                                            .addSetHeaders(header("x-epp-saw-response", "yes")))))
                    .build());
          } else if (r.hasResponseBody()) {
            out.onNext(
                ProcessingResponse.newBuilder()
                    .setResponseBody(
                        echo(r.getResponseBody().getBody(), r.getResponseBody().getEndOfStream()))
                    .build());
          }
        }

        private void route(String body) {
          // The routing answer: the destination and an SLO header; one header removed.
          out.onNext(
              ProcessingResponse.newBuilder()
                  .setRequestHeaders(
                      HeadersResponse.newBuilder()
                          .setResponse(
                              CommonResponse.newBuilder()
                                  .setClearRouteCache(true)
                                  .setHeaderMutation(
                                      HeaderMutation.newBuilder()
                                          .addSetHeaders(
                                              header("x-gateway-destination-endpoint", destination))
                                          .addSetHeaders(header("x-llm-d-slo-ttft-ms", "1234"))
                                          .addRemoveHeaders("x-drop-me"))))
                  .build());
          // The body goes on as the EPP streams it back: here with the model alias resolved.
          out.onNext(
              ProcessingResponse.newBuilder()
                  .setRequestBody(
                      echo(
                          ByteString.copyFromUtf8(
                              body.replace("\"model\":\"alias\"", "\"model\":\"m\"")),
                          true))
                  .build());
        }

        @Override
        public void onError(Throwable t) {
          cancelled.incrementAndGet();
        }

        @Override
        public void onCompleted() {
          completed.incrementAndGet();
          out.onCompleted();
        }
      };
    }

    private static HeaderValueOption header(String k, String v) {
      return HeaderValueOption.newBuilder()
          .setHeader(HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v)))
          .build();
    }

    private static BodyResponse echo(ByteString chunk, boolean end) {
      return BodyResponse.newBuilder()
          .setResponse(
              CommonResponse.newBuilder()
                  .setBodyMutation(
                      BodyMutation.newBuilder()
                          .setStreamedResponse(
                              StreamedBodyResponse.newBuilder()
                                  .setBody(chunk)
                                  .setEndOfStream(end))))
          .build();
    }

    String header(ProcessingRequest r, String key) {
      for (HeaderValue h : r.getRequestHeaders().getHeaders().getHeadersList()) {
        if (h.getKey().equals(key)) {
          return h.getRawValue().toStringUtf8();
        }
      }
      return null;
    }
  }

  /** The twin + worker + sink of a TracedStack, a scripted EPP, and the ingress as its gateway. */
  private static final class Gateway implements AutoCloseable {
    final TracedStack stack;
    final ScriptedEpp script = new ScriptedEpp();
    final Server eppServer;
    final ProxyRuntime runtime;
    final ProxyServer ingress;

    Gateway(SimConfig twin, EppClient.FailureMode mode, Duration timeout, boolean eppUp)
        throws Exception {
      stack = new TracedStack(twin);
      eppServer =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(script)
              .build()
              .start();
      int eppPort = eppServer.getPort();
      if (!eppUp) {
        eppServer.shutdownNow().awaitTermination();
      }
      String worker = "127.0.0.1:" + stack.worker.address().getPort();
      script.destination = worker;
      EppClient client =
          new EppClient(
              new InetSocketAddress("127.0.0.1", eppPort),
              List.of(new Endpoint("w0", "127.0.0.1", stack.worker.address().getPort())),
              mode,
              timeout);
      runtime =
          ProxyRuntime.builder(
                  ProxyConfig.loopback(Role.INGRESS, List.of(URI.create("http://" + worker))))
              .openTelemetry(stack.sdk("infertrace-gateway"))
              .eppClient(client)
              .start();
      ingress = runtime.server();
    }

    @Override
    public void close() {
      runtime.close();
      eppServer.shutdownNow();
      stack.close();
    }
  }

  private static SimConfig twin() {
    return SimConfig.loopback("m")
        .withEngine(
            new EngineConfig(16, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(2, 0, 0, 0)));
  }

  private HttpResponse<String> chat(ProxyServer ingress, String model, boolean stream)
      throws Exception {
    String body =
        "{\"model\":\""
            + model
            + "\",\"max_tokens\":5,\"stream\":"
            + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    return http.send(
        HttpRequest.newBuilder(URI.create(ingress.baseUrl() + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .header("x-drop-me", "1")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static ReceivedSpan one(Gateway g, java.util.function.Predicate<ReceivedSpan> p) {
    return g.stack.sink.awaitSpans(p, 1, Duration.ofSeconds(10)).get(0);
  }

  @Test
  void routesWhereTheEppSaysAppliesItsMutationsAndShowsItTheResponse() throws Exception {
    try (Gateway g =
        new Gateway(twin(), EppClient.FailureMode.CLOSED, Duration.ofSeconds(2), true)) {
      // The body names a model alias the twin does not serve: only the EPP's echoed body works.
      HttpResponse<String> r = chat(g.ingress, "alias", true);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("data: [DONE]");
      assertThat(r.headers().firstValue("x-epp-saw-response")).hasValue("yes");

      // What the EPP was sent, in Envoy's order and modes.
      ProcessingRequest first = g.script.seen.get(0);
      assertThat(first.getProtocolConfig().getRequestBodyMode().name())
          .isEqualTo("FULL_DUPLEX_STREAMED");
      assertThat(g.script.header(first, ":method")).isEqualTo("POST");
      assertThat(g.script.header(first, ":path")).isEqualTo("/v1/chat/completions");
      assertThat(first.getRequestHeaders().getEndOfStream()).isFalse();
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (g.script.completed.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(g.script.completed.get()).as("the gateway half-closed the stream").isEqualTo(1);
      List<ProcessingRequest> seen = g.script.seen;
      assertThat(seen.stream().filter(ProcessingRequest::hasResponseHeaders).count()).isEqualTo(1);
      ProcessingRequest lastBody = seen.get(seen.size() - 1);
      assertThat(lastBody.getResponseBody().getEndOfStream()).isTrue();
      String echoedResponse =
          seen.stream()
              .filter(ProcessingRequest::hasResponseBody)
              .map(m -> m.getResponseBody().getBody().toStringUtf8())
              .reduce("", String::concat);
      assertThat(echoedResponse).as("the EPP saw the whole response body").isEqualTo(r.body());

      // One trace: ingress SERVER → ext_proc CLIENT (whose context the EPP got) and → CLIENT to
      // the endpoint picked → the worker's SERVER span, which saw the EPP's SLO header.
      ReceivedSpan server =
          one(
              g,
              s ->
                  s.kind() == SpanKind.SPAN_KIND_SERVER
                      && "ingress".equals(s.attribute("infertrace.role")));
      ReceivedSpan ext = one(g, s -> s.name().equals(EPP_SPAN));
      assertThat(ext.parentSpanId()).isEqualTo(server.spanId());
      assertThat(ext.attribute("llm.route.outcome")).isEqualTo("routed");
      assertThat(ext.attribute("llm.route.endpoint")).isEqualTo(g.script.destination);
      assertThat(g.script.header(first, "traceparent"))
          .startsWith("00-" + ext.traceId() + "-" + ext.spanId() + "-");
      ReceivedSpan client =
          one(
              g,
              s ->
                  s.kind() == SpanKind.SPAN_KIND_CLIENT
                      && s.attribute("llm.route.endpoint") != null
                      && !s.name().equals(EPP_SPAN));
      assertThat(client.attribute("server.port"))
          .isEqualTo((long) g.stack.worker.address().getPort());
      ReceivedSpan worker =
          one(
              g,
              s ->
                  s.kind() == SpanKind.SPAN_KIND_SERVER
                      && "worker".equals(s.attribute("infertrace.role")));
      assertThat(worker.parentSpanId()).isEqualTo(client.spanId());
      assertThat(worker.traceId()).isEqualTo(server.traceId());
      assertThat(worker.attribute("llm.slo.ttft")).isEqualTo(1.234);

      // The ingress's time by segment adds up to its span, the gateway's EPP waits included; the
      // worker's span lies inside the ingress's upstream_head + relay.
      assertThat(segmentSum(server))
          .isCloseTo(seconds(server), org.assertj.core.data.Offset.offset(1e-6));
      for (String k : List.of("route", "connect", "upstream_head", "epp_response", "relay")) {
        assertThat(server.attribute("llm.segment." + k)).as(k).isNotNull();
      }
      assertThat(segmentSum(worker))
          .isCloseTo(seconds(worker), org.assertj.core.data.Offset.offset(1e-6));
      assertThat(worker.attribute("llm.segment.route")).as("no EPP at the worker").isNull();
      // (the ingress's response window is epp_response + relay + client_slow_read)
      double slowRead =
          server.attribute("llm.segment.client_slow_read") == null
              ? 0
              : (Double) server.attribute("llm.segment.client_slow_read");
      assertThat(seconds(worker))
          .isLessThanOrEqualTo(
              (Double) server.attribute("llm.segment.upstream_head")
                  + (Double) server.attribute("llm.segment.relay")
                  + (Double) server.attribute("llm.segment.epp_response")
                  + slowRead);

      // Non-streaming: the head and the whole body arrive in one read; the body must wait for
      // the head, which waits for the EPP's answer to the response headers.
      HttpResponse<String> whole = chat(g.ingress, "alias", false);
      assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
      assertThat(whole.body()).startsWith("{").contains("\"model\":\"m\"");
      assertThat(whole.headers().firstValue("x-epp-saw-response")).hasValue("yes");
    }
  }

  @Test
  void anImmediateResponseIsAnsweredAsTheEppGaveIt() throws Exception {
    try (Gateway g = new Gateway(twin(), EppClient.FailureMode.OPEN, Duration.ofSeconds(2), true)) {
      g.script.mode = ScriptedEpp.Mode.SHED;
      HttpResponse<String> r = chat(g.ingress, "m", false);
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(r.body()).isEqualTo("{\"error\":\"shed\"}");
      assertThat(r.headers().firstValue("retry-after")).hasValue("1");
      ReceivedSpan ext = one(g, s -> s.name().equals(EPP_SPAN));
      assertThat(ext.attribute("llm.route.outcome")).isEqualTo("shed");
      assertThat(g.stack.worker.stats().requests()).as("nothing reached the worker").isZero();
    }
  }

  @Test
  void anUnreachableEppFailsClosedWith503OrOpenRoundRobin() throws Exception {
    try (Gateway g =
        new Gateway(twin(), EppClient.FailureMode.CLOSED, Duration.ofSeconds(2), false)) {
      HttpResponse<String> r = chat(g.ingress, "m", false);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("\"type\":\"epp_unavailable\"");
      ReceivedSpan server = one(g, s -> s.kind() == SpanKind.SPAN_KIND_SERVER);
      assertThat(server.attribute("error.type")).isEqualTo("epp_unavailable");
      assertThat(g.ingress.stats().eppFailures()).isEqualTo(1);
    }
    try (Gateway g =
        new Gateway(twin(), EppClient.FailureMode.OPEN, Duration.ofSeconds(2), false)) {
      HttpResponse<String> r = chat(g.ingress, "m", false);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      ReceivedSpan server =
          one(
              g,
              s ->
                  s.kind() == SpanKind.SPAN_KIND_SERVER
                      && "ingress".equals(s.attribute("infertrace.role")));
      assertThat(server.span().getEventsList())
          .anySatisfy(e -> assertThat(e.getName()).isEqualTo("epp.fail_open"));
      ReceivedSpan ext = one(g, s -> s.name().equals(EPP_SPAN));
      assertThat(ext.attribute("llm.route.outcome")).isEqualTo("fail_open");
      assertThat(ext.attribute("error.type")).isEqualTo("epp_unavailable");
    }
  }

  @Test
  void aHangingEppTimesOutAndTheStreamIsCancelled() throws Exception {
    for (EppClient.FailureMode mode : EppClient.FailureMode.values()) {
      try (Gateway g = new Gateway(twin(), mode, Duration.ofMillis(300), true)) {
        g.script.mode = ScriptedEpp.Mode.HANG;
        long t0 = System.nanoTime();
        HttpResponse<String> r = chat(g.ingress, "m", false);
        double ms = (System.nanoTime() - t0) / 1e6;
        assertThat(ms).as("answered after the 300 ms EPP timeout").isBetween(250.0, 5000.0);
        if (mode == EppClient.FailureMode.CLOSED) {
          assertThat(r.statusCode()).isEqualTo(503);
          assertThat(r.body()).contains("\"type\":\"epp_timeout\"");
        } else {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (g.script.cancelled.get() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        assertThat(g.script.cancelled.get()).as("the EPP saw the stream cancelled").isEqualTo(1);
      }
    }
  }

  @Test
  void anEppThatClosesWithoutAnswerIsAFailure() throws Exception {
    try (Gateway g =
        new Gateway(twin(), EppClient.FailureMode.CLOSED, Duration.ofSeconds(2), true)) {
      g.script.mode = ScriptedEpp.Mode.CLOSE;
      HttpResponse<String> r = chat(g.ingress, "m", false);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("\"type\":\"epp_closed\"");
    }
  }

  @Test
  void aClientCancelMidStreamReachesTheEppAndTheEngine() throws Exception {
    SimConfig slow =
        SimConfig.loopback("m")
            .withEngine(
                new EngineConfig(
                    16, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(20, 0, 0, 0)));
    try (Gateway g = new Gateway(slow, EppClient.FailureMode.CLOSED, Duration.ofSeconds(2), true)) {
      String body =
          "{\"model\":\"m\",\"prompt\":\"go\",\"max_tokens\":1000,\"ignore_eos\":true,\"stream\":true}";
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", g.ingress.address().getPort()));
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
        StringBuilder got = new StringBuilder();
        while (!got.toString().contains("\"text\":\"")) {
          got.append((char) in.read());
        }
        assertThat(g.stack.sim.engine().running()).isEqualTo(1);
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while ((g.script.cancelled.get() == 0 || g.stack.sim.engine().running() != 0)
          && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(g.script.cancelled.get()).as("the EPP's stream was cancelled").isEqualTo(1);
      assertThat(g.stack.sim.engine().running()).as("the engine request was aborted").isZero();
    }
  }

  @Test
  void throughTheInterposerToTheReferenceEppTheRouteSpanShowsEveryCandidate() throws Exception {
    try (TracedStack stack = new TracedStack(twin());
        Sim other = Sim.start(twin())) {
      List<Endpoint> endpoints =
          List.of(
              new Endpoint("a", "127.0.0.1", stack.sim.apiAddress().getPort()),
              new Endpoint("b", "127.0.0.1", other.apiAddress().getPort()));
      Map<String, URI> dcgm =
          Map.of(
              "a", URI.create("http://127.0.0.1:" + stack.sim.dcgmAddress().getPort() + "/metrics"),
              "b", URI.create("http://127.0.0.1:" + other.dcgmAddress().getPort() + "/metrics"));
      int free = FreePorts.next();
      try (RefEpp epp =
              RefEpp.start(
                  new InetSocketAddress("127.0.0.1", 0), endpoints, new Scorer(1, 1, 0), false);
          EndpointView view = new EndpointView(endpoints, dcgm);
          EppInterposer interposer =
              EppInterposer.start(
                  new InetSocketAddress("127.0.0.1", free),
                  new InetSocketAddress("127.0.0.1", epp.port()),
                  stack.sdk("infertrace-epp"),
                  view);
          ProxyRuntime gateway =
              ProxyRuntime.builder(
                      ProxyConfig.loopback(Role.INGRESS, List.of(URI.create("http://unused:1"))))
                  .openTelemetry(stack.sdk("infertrace-gateway"))
                  .eppClient(
                      new EppClient(
                          new InetSocketAddress("127.0.0.1", interposer.port()),
                          endpoints,
                          EppClient.FailureMode.CLOSED,
                          Duration.ofSeconds(2)))
                  .start()) {
        Thread.sleep(300); // the EPP and the view scrape the twins every 50 ms
        HttpResponse<String> r = chat(gateway.server(), "m", true);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        ReceivedSpan ext =
            stack.sink.awaitSpans(s -> s.name().equals(EPP_SPAN), 1, Duration.ofSeconds(10)).get(0);
        ReceivedSpan route =
            stack
                .sink
                .awaitSpans(s -> s.name().equals("llm.route"), 1, Duration.ofSeconds(10))
                .get(0);
        assertThat(route.parentSpanId())
            .as("llm.route under the gateway's ext_proc span")
            .isEqualTo(ext.spanId());
        String chosen = (String) route.attribute("llm.route.endpoint");
        assertThat(ext.attribute("llm.route.endpoint")).isEqualTo(chosen);
        assertThat((String) route.attribute("llm.route.scores"))
            .contains(endpoints.get(0).hostPort())
            .contains(endpoints.get(1).hostPort());
        var events = route.span().getEventsList();
        assertThat(events).hasSize(2);
        for (var e : events) {
          assertThat(e.getName()).isEqualTo("llm.route.candidate");
          Map<String, Object> a = new java.util.HashMap<>();
          e.getAttributesList().forEach(kv -> a.put(kv.getKey(), kv.getValue()));
          assertThat(a)
              .containsKeys(
                  "llm.route.candidate",
                  "llm.route.chosen",
                  "llm.route.score",
                  "vllm.num_requests_waiting",
                  "vllm.kv_cache_usage_perc",
                  "dcgm.gpu_util");
        }
        assertThat(events)
            .filteredOn(
                e ->
                    e.getAttributesList().stream()
                        .anyMatch(
                            kv ->
                                kv.getKey().equals("llm.route.chosen")
                                    && kv.getValue().getBoolValue()))
            .hasSize(1);
        ReceivedSpan client =
            stack
                .sink
                .awaitSpans(
                    s -> s.kind() == SpanKind.SPAN_KIND_CLIENT && !s.name().equals(EPP_SPAN),
                    1,
                    Duration.ofSeconds(10))
                .get(0);
        assertThat("127.0.0.1:" + client.attribute("server.port")).isEqualTo(chosen);
      }
    }
  }

  private static final List<String> SEGMENTS =
      List.of(
          "request_read",
          "route",
          "connect",
          "upstream_head",
          "epp_response",
          "relay",
          "client_slow_read");

  /** The span's segments added up, seconds. */
  private static double segmentSum(ReceivedSpan span) {
    return SEGMENTS.stream()
        .map(k -> (Double) span.attribute("llm.segment." + k))
        .filter(java.util.Objects::nonNull)
        .mapToDouble(Double::doubleValue)
        .sum();
  }

  private static double seconds(ReceivedSpan span) {
    return (span.endEpochNanos() - span.startEpochNanos()) / 1e9;
  }
}
