package dev.infertrace.testbed.epp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.core.schema.RouteAttributes;
import dev.infertrace.core.schema.SpanNames;
import dev.infertrace.core.schema.VllmAttributes;
import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.epp.EndpointView;
import dev.infertrace.proxy.epp.EppClient;
import dev.infertrace.proxy.epp.EppInterposer;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.junit.KubeApiServer;
import dev.infertrace.testbed.junit.PeerProcess;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.otlp.OtlpSink;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import dev.infertrace.testbed.peers.Peer;
import dev.infertrace.testbed.peers.PeerHome;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real Endpoint Picker (the Gateway API Inference Extension's {@code cmd/epp}, pinned in
 * scripts/install-peers.sh) on a real kube-apiserver, with infertrace around it: the ingress as the
 * gateway ({@code --epp}, failing closed), our {@code epp} interposer in front of the real EPP,
 * worker sidecars in front of three vLLM twins. The EPP finds the twins as the Pods of an
 * InferencePool (their status written here: there is no kubelet), each Pod on its own loopback
 * address with the pool's one target port, and scores them from the twins' vLLM metrics, read
 * through the sidecars.
 */
@RequiresPeers({Peer.ETCD, Peer.KUBE_APISERVER, Peer.EPP, Peer.INFERENCE_POOL_CRDS})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealEppIT {
  private static final String NS = "llm";
  private static final String MODEL = "m";
  private static final int WORKERS = 3;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static KubeApiServer kube;
  private static OtlpSink sink;
  private static final List<AutoCloseable> running = new CopyOnWriteArrayList<>();
  private static final List<Sim> sims = new ArrayList<>();
  private static final List<Endpoint> endpoints = new ArrayList<>();
  private static int grpcPort;
  private static int healthPort;
  private static int metricsPort;
  private static ProxyRuntime ingress;
  private static PeerProcess epp;

  @BeforeAll
  static void start() throws Exception {
    sink = OtlpSink.start();
    running.add(sink);
    kube = KubeApiServer.start(RealEppIT.class, false);
    KubernetesClient client = kube.client();
    Path crd = PeerHome.fromEnvironment().find(Peer.INFERENCE_POOL_CRDS);
    // All of the module's CRDs: the EPP looks for InferenceObjective and the others at start.
    try (var files = Files.list(crd.getParent())) {
      for (Path f : files.sorted().toList()) {
        for (var crdObject : client.load(Files.newInputStream(f)).serverSideApply()) {
          kube.awaitCrdEstablished(crdObject.getMetadata().getName());
        }
      }
    }
    kube.namespace(NS, Map.of());

    // Every Pod listens on the pool's one target port, each on its own loopback address.
    int targetPort = FreePorts.next();
    for (int i = 0; i < WORKERS; i++) {
      Sim sim =
          Sim.start(
              SimConfig.loopback(MODEL)
                  .withEngine(
                      new EngineConfig(
                          2, 8192, 16, 25_000, 8192, true, 1000, StepTimeModel.H100_8B)));
      sims.add(sim);
      running.add(0, sim);
      String ip = "127.0.0." + (21 + i);
      ProxyRuntime sidecar =
          ProxyRuntime.builder(
                  ProxyConfig.loopback(Role.WORKER, List.of(URI.create(sim.baseUrl()))).toBuilder()
                      .listen(new InetSocketAddress(ip, targetPort))
                      .build())
              .openTelemetry(sdk("infertrace-worker-w" + i))
              .start();
      running.add(0, sidecar);
      endpoints.add(new Endpoint("vllm-w" + i, ip, targetPort));
      pod("vllm-w" + i, ip);
    }
    client
        .resource(
            """
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: pool, namespace: %s}
            spec:
              selector: {matchLabels: {app: vllm}}
              targetPorts: [{number: %d}]
              endpointPickerRef: {name: epp, port: {number: 9002}}
            """
                .formatted(NS, targetPort))
        .inNamespace(NS)
        .create();

    grpcPort = FreePorts.next();
    healthPort = FreePorts.next();
    metricsPort = FreePorts.next();
    EndpointView view = new EndpointView(endpoints, Map.of());
    running.add(0, view);
    EppInterposer interposer =
        EppInterposer.start(
            new InetSocketAddress("127.0.0.1", 0),
            new InetSocketAddress("127.0.0.1", grpcPort),
            sdk("infertrace-epp"),
            view);
    running.add(0, interposer);
    ingress =
        ProxyRuntime.builder(
                ProxyConfig.loopback(
                    Role.INGRESS,
                    endpoints.stream().map(e -> URI.create("http://" + e.hostPort())).toList()))
            .openTelemetry(sdk("infertrace-ingress"))
            .eppClient(
                new EppClient(
                    new InetSocketAddress("127.0.0.1", interposer.port()),
                    endpoints,
                    EppClient.FailureMode.CLOSED,
                    Duration.ofSeconds(2)))
            .start();
    running.add(0, ingress);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : running) {
      try {
        c.close();
      } catch (Exception e) {
        // the next one still closes
      }
    }
    if (kube != null) {
      kube.close();
    }
  }

  @Test
  @Order(1)
  void requestsGoWhereTheRealEppSendsThemAndOurRouteSpanLinksItsTrace(PeerProcesses peers)
      throws Exception {
    startEpp(peers);
    Set<String> traces = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 9; i++) {
      HttpResponse<String> r = chat("request " + i + " " + System.nanoTime(), true);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("data: [DONE]");
      traces.add(traceId(r));
    }
    // Each request: our route span names the endpoint the EPP chose, the worker sidecar that
    // served it is that endpoint, and the route span links to the EPP's own span.
    // Every worker SERVER span in too: a sidecar exports its span as its response ends, which can
    // be after the route span and the client's last byte arrived.
    sink.awaitSpans(
        s ->
            traces.contains(s.traceId())
                && s.kind() == SpanKind.SPAN_KIND_SERVER
                && s.serviceName().startsWith("infertrace-worker-"),
        traces.size(),
        Duration.ofSeconds(20));
    Map<String, List<ReceivedSpan>> byTrace = awaitTraces(traces);
    Set<String> served = ConcurrentHashMap.newKeySet();
    for (String trace : traces) {
      List<ReceivedSpan> spans = byTrace.get(trace);
      ReceivedSpan route = one(spans, s -> s.name().equals(SpanNames.ROUTE));
      assertThat(route.attribute(LlmAttributes.ROUTE_OUTCOME)).isEqualTo("routed");
      String endpoint = (String) route.attribute(LlmAttributes.ROUTE_ENDPOINT);
      ReceivedSpan worker =
          one(
              spans,
              s ->
                  s.kind() == SpanKind.SPAN_KIND_SERVER
                      && s.serviceName().startsWith("infertrace-worker-"));
      int w = Integer.parseInt(worker.serviceName().substring("infertrace-worker-w".length()));
      assertThat(endpoints.get(w).hostPort()).as("the worker that served it").isEqualTo(endpoint);
      served.add(endpoint);
      assertThat(route.span().getLinksList())
          .as(
              "the route span's link to the EPP: %s; the services' spans: %s",
              route.span(),
              sink.spans().stream()
                  .collect(Collectors.groupingBy(ReceivedSpan::serviceName, Collectors.counting())))
          .hasSize(1);
      var link = route.span().getLinksList().get(0);
      String eppTrace = HexFormat.of().formatHex(link.getTraceId().toByteArray());
      String eppSpan = HexFormat.of().formatHex(link.getSpanId().toByteArray());
      assertThat(eppTrace).isNotEqualTo(trace);
      List<ReceivedSpan> eppSpans =
          sink.awaitSpans(s -> s.traceId().equals(eppTrace), 2, Duration.ofSeconds(20));
      assertThat(eppSpans).extracting(ReceivedSpan::name).contains("gateway.request");
      assertThat(eppSpans)
          .as("the linked span is one the EPP exported")
          .extracting(ReceivedSpan::spanId)
          .contains(eppSpan);
    }
    assertThat(served).as("the EPP spreads idle-twin requests").hasSizeGreaterThan(1);
    // The EPP's in-flight accounting returns to zero: the ingress sent it the response phases.
    assertThat(eppMetric("inference_objective_running_requests{model_name=\"" + MODEL + "\"}"))
        .isEqualTo(0);
    // What a gateway's start-up line says of this EPP on its ext_proc port: "answering", from
    // the UNIMPLEMENTED that a health check gets there (its gRPC health service has a port of its
    // own), not "(health SERVING)". The interposer above started before the EPP did.
    try (EppClient direct =
        new EppClient(
            new InetSocketAddress("127.0.0.1", grpcPort),
            endpoints,
            EppClient.FailureMode.CLOSED,
            Duration.ofSeconds(2))) {
      assertThat(direct.prepare()).isEqualTo("answering");
    }
  }

  @Test
  @Order(2)
  void theEppAvoidsTheTwinWithTheLongQueueAndOurCandidatesSayWhy(PeerProcesses peers)
      throws Exception {
    startEpp(peers);
    // Twin w0 gets 12 long requests straight (its batch holds 2): a queue of ~10 that the EPP
    // reads through w0's sidecar.
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> load = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      load.add(
          HTTP.sendAsync(
              post(URI.create(sims.get(0).baseUrl()), "load " + i, false, 400),
              HttpResponse.BodyHandlers.ofString()));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (waiting(0) < 5 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(waiting(0)).as("w0's queue").isGreaterThanOrEqualTo(5);
    Thread.sleep(500); // the EPP's and the interposer's scrapes see it
    Set<String> traces = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = chat("while w0 queues " + i + " " + System.nanoTime(), false);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      traces.add(traceId(r));
    }
    Map<String, List<ReceivedSpan>> byTrace = awaitTraces(traces);
    for (String trace : traces) {
      ReceivedSpan route = one(byTrace.get(trace), s -> s.name().equals(SpanNames.ROUTE));
      String chosen = (String) route.attribute(LlmAttributes.ROUTE_ENDPOINT);
      assertThat(chosen).as("not the queued twin").isNotEqualTo(endpoints.get(0).hostPort());
      Map<String, Long> queue =
          route.span().getEventsList().stream()
              .filter(e -> e.getName().equals(RouteAttributes.CANDIDATE))
              .collect(
                  Collectors.toMap(
                      e -> eventAttr(e, RouteAttributes.CANDIDATE).getStringValue(),
                      e -> eventAttr(e, VllmAttributes.NUM_REQUESTS_WAITING).getIntValue()));
      assertThat(queue).as("a candidate event per endpoint").hasSize(WORKERS);
      assertThat(queue.get(endpoints.get(0).hostPort()))
          .as("what the candidates showed the EPP: %s", queue)
          .isGreaterThan(queue.get(chosen));
    }
    for (var f : load) {
      f.get(120, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(3)
  void anEppThatRestartsFailsRequestsClosedThenRoutesThemAgain(PeerProcesses peers)
      throws Exception {
    startEpp(peers);
    assertThat(chat("before " + System.nanoTime(), false).statusCode()).isEqualTo(200);
    epp.close();
    HttpResponse<String> down = chat("while it is down " + System.nanoTime(), false);
    assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
    assertThat(down.body()).contains("\"error\"");
    String downTrace = traceId(down);
    // The ingress's ext_proc span (the interposer may have no stream to observe: its own call to
    // the stopped EPP can fail before the first message).
    ReceivedSpan extProc =
        sink.awaitSpans(
                s ->
                    s.traceId().equals(downTrace)
                        && s.kind() == SpanKind.SPAN_KIND_CLIENT
                        && s.serviceName().equals("infertrace-ingress")
                        && s.attribute(LlmAttributes.ROUTE_OUTCOME) != null,
                1,
                Duration.ofSeconds(20))
            .get(0);
    assertThat(extProc.attribute(LlmAttributes.ROUTE_OUTCOME)).isEqualTo("error");
    startEpp(peers);
    HttpResponse<String> back = chat("after the restart " + System.nanoTime(), false);
    assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
  }

  @Test
  @Order(4)
  void aSheddableRequestTheSaturatedPoolTurnsAwayIsShedOnOurSpans(PeerProcesses peers)
      throws Exception {
    startEpp(peers);
    // A sheddable objective (priority < 0): the EPP drops its requests while the pool is saturated
    // (its utilization detector: the mean over the pods of waiting/5, or KV use/0.8, reaches 1).
    kube.client()
        .resource(
            """
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferenceObjective
            metadata: {name: batch, namespace: %s}
            spec:
              priority: -1
              poolRef: {name: pool}
            """
                .formatted(NS))
        .inNamespace(NS)
        .create();
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> load = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      for (int i = 0; i < 12; i++) {
        load.add(
            HTTP.sendAsync(
                post(URI.create(sims.get(w).baseUrl()), "saturate " + w + " " + i, false, 400),
                HttpResponse.BodyHandlers.ofString()));
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while ((waiting(0) < 6 || waiting(1) < 6 || waiting(2) < 6) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    Thread.sleep(300); // the EPP's scrapes (every 50 ms) see every queue
    HttpRequest sheddable =
        HttpRequest.newBuilder(
                post(URI.create(ingress.baseUrl()), "sheddable " + System.nanoTime(), false, 8),
                (k, v) -> true)
            .header("x-gateway-inference-objective", "batch")
            .header("x-request-id", java.util.UUID.randomUUID().toString())
            .build();
    HttpResponse<String> shed = HTTP.send(sheddable, HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> critical = chat("not sheddable " + System.nanoTime(), false);
    for (var f : load) {
      f.get(120, TimeUnit.SECONDS);
    }
    assertThat(shed.statusCode()).as(shed.body()).isEqualTo(429);
    assertThat(critical.statusCode()).as("priority 0 is never shed").isEqualTo(200);
    String trace = traceId(shed);
    ReceivedSpan route =
        one(awaitTraces(Set.of(trace)).get(trace), s -> s.name().equals(SpanNames.ROUTE));
    assertThat(route.attribute(LlmAttributes.ROUTE_OUTCOME)).isEqualTo("shed");
    assertThat(route.attribute(LlmAttributes.HTTP_STATUS)).isEqualTo(429L);
  }

  // ---------------------------------------------------------------------------------------------

  private static void startEpp(PeerProcesses peers) throws Exception {
    if (epp != null) {
      epp.close();
    }
    epp =
        peers.start(
            Peer.EPP,
            List.of(
                "--pool-name=pool",
                "--pool-namespace=" + NS,
                "--grpc-port=" + grpcPort,
                "--grpc-health-port=" + healthPort,
                "--metrics-port=" + metricsPort,
                "--secure-serving=false",
                "--metrics-endpoint-auth=false",
                "--zap-encoder=console"),
            Map.of(
                "KUBECONFIG", kube.kubeconfig().toString(),
                // What a Deployment's pod is called: the EPP reads its own name and namespace.
                "POD_NAME", "epp-6d5f8b7c9d-x2x7q",
                "NAMESPACE", NS,
                "OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_EXPORTER_OTLP_ENDPOINT", sink.grpcEndpoint(),
                "OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG", "1"));
    epp.awaitPort(grpcPort, Duration.ofSeconds(60));
    // Ready when it knows the pool's pods: its ready-pods gauge counts them.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (eppMetric("inference_pool_ready_pods{name=\"pool\"}") < WORKERS) {
      assertThat(System.nanoTime()).as(epp.logTail(40)).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** A gauge or counter of the EPP's /metrics; -1 when absent or unreadable. */
  private static double eppMetric(String series) {
    try {
      String page =
          HTTP.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      return page.lines()
          .filter(l -> l.startsWith(series + " "))
          .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
          .findFirst()
          .orElse(-1);
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  private static long waiting(int worker) throws Exception {
    String page =
        HTTP.send(
                HttpRequest.newBuilder(URI.create(sims.get(worker).baseUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return page.lines()
        .filter(l -> l.startsWith("vllm:num_requests_waiting{"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static void pod(String name, String ip) {
    KubernetesClient client = kube.client();
    client
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(Map.of("app", "vllm"))
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("vllm")
                .withImage("vllm/vllm-openai:v0.11.0")
                .endContainer()
                .endSpec()
                .build())
        .create();
    // No kubelet: the status a running, ready pod would have, written through the API.
    client
        .pods()
        .inNamespace(NS)
        .withName(name)
        .editStatus(
            p ->
                new PodBuilder(p)
                    .editOrNewStatus()
                    .withPhase("Running")
                    .withPodIP(ip)
                    .addNewPodIP()
                    .withIp(ip)
                    .endPodIP()
                    .addNewCondition()
                    .withType("Ready")
                    .withStatus("True")
                    .endCondition()
                    .endStatus()
                    .build());
  }

  private static HttpRequest post(URI base, String prompt, boolean stream, int maxTokens) {
    String body =
        "{\"model\":\"%s\",\"stream\":%b,\"max_tokens\":%d,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}"
            .formatted(MODEL, stream, maxTokens, prompt);
    return HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /** A chat call through the ingress, with its own {@code x-request-id}. */
  private static HttpResponse<String> chat(String prompt, boolean stream) throws Exception {
    HttpRequest r = post(URI.create(ingress.baseUrl()), prompt, stream, 8);
    String id = java.util.UUID.randomUUID().toString();
    return HTTP.send(
        HttpRequest.newBuilder(r, (k, v) -> true).header("x-request-id", id).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The trace of a call: the ingress SERVER span with its request id. */
  private static String traceId(HttpResponse<String> r) {
    String id = r.request().headers().firstValue("x-request-id").orElseThrow();
    ReceivedSpan server =
        sink.awaitSpans(
                s ->
                    "infertrace-ingress".equals(s.serviceName())
                        && s.kind() == SpanKind.SPAN_KIND_SERVER
                        && id.equals(s.attribute(LlmAttributes.REQUEST_ID)),
                1,
                Duration.ofSeconds(20))
            .get(0);
    return server.traceId();
  }

  /** Every span of each trace, once the route or the worker span is in. */
  private static Map<String, List<ReceivedSpan>> awaitTraces(Set<String> traces) {
    sink.awaitSpans(
        s -> traces.contains(s.traceId()) && s.name().equals(SpanNames.ROUTE),
        traces.size(),
        Duration.ofSeconds(20));
    return sink.spans().stream()
        .filter(s -> traces.contains(s.traceId()))
        .collect(Collectors.groupingBy(ReceivedSpan::traceId));
  }

  private static ReceivedSpan one(
      List<ReceivedSpan> spans, java.util.function.Predicate<ReceivedSpan> which) {
    List<ReceivedSpan> found = spans.stream().filter(which).toList();
    assertThat(found)
        .as(
            "in %s",
            spans.stream()
                .map(s -> s.serviceName() + "/" + s.name())
                .collect(Collectors.joining(", ")))
        .hasSize(1);
    return found.get(0);
  }

  private static io.opentelemetry.proto.common.v1.AnyValue eventAttr(
      io.opentelemetry.proto.trace.v1.Span.Event e, String key) {
    return e.getAttributesList().stream()
        .filter(kv -> kv.getKey().equals(key))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + key + " on " + e))
        .getValue();
  }

  private static OpenTelemetrySdk sdk(String service) {
    return sdk(service, sink);
  }

  private static OpenTelemetrySdk sdk(String service, OtlpSink to) {
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .setResource(
                        Resource.getDefault().toBuilder().put("service.name", service).build())
                    .addSpanProcessor(
                        SimpleSpanProcessor.create(
                            OtlpGrpcSpanExporter.builder().setEndpoint(to.grpcEndpoint()).build()))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    running.add(sdk);
    return sdk;
  }
}
