package dev.infertrace.testbed.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.junit.PeerProcess;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.junit.TargetDir;
import dev.infertrace.testbed.otlp.OtlpSink;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import dev.infertrace.testbed.peers.Peer;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The scaled-out pipeline with real collectors: two agents running {@code agent.yaml} + {@code
 * agent-loadbalancing.yaml} (the {@code load_balancing} exporter, routing by trace id, static list
 * of gateways) and two gateways running {@code gateway.yaml}, each exporting to its own {@link
 * OtlpSink} (so the test knows which gateway kept what). Traffic: a TCP round-robin in front of two
 * ingress replicas (one of which has an unreachable second upstream: 502s), two worker sidecars in
 * front of one twin; each ingress and each worker exports to a different agent than the process
 * next to it, so the spans of one trace enter through both agents. Every process also exports to a
 * truth sink: every span made, sampled or not.
 *
 * <p>Baseline sampling is 0 %: a gateway keeps exactly the errors and the SLO misses. Then one
 * gateway is SIGKILLed with traces in its decision window, traffic goes on while it is down, it is
 * restarted, traffic goes on. Probe spans (status ERROR, so kept) sent afterwards with each trace's
 * id show which gateway the ring routes that trace to.
 */
@RequiresPeers(Peer.COLLECTOR)
class CollectorScaleOutIT {
  private static final Duration DECISION_WAIT = Duration.ofSeconds(8);
  private static final String PROBE = "scale-out.probe";
  private static final Path CONFIGS = TargetDir.repoRoot().resolve("collector-config");
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void theLoadBalancingOverlaysValidate(PeerProcesses peers) {
    for (String overlay : List.of("agent-loadbalancing.yaml", "agent-loadbalancing-dns.yaml")) {
      PeerProcess validate =
          peers.start(
              Peer.COLLECTOR,
              List.of(
                  "validate",
                  "--config=" + CONFIGS.resolve("agent.yaml"),
                  "--config=" + CONFIGS.resolve(overlay)),
              Map.of("GATEWAY_HOSTNAMES", "[gw-0:4317,gw-1:4317]"));
      assertThat(validate.waitFor(Duration.ofSeconds(60)))
          .as("otelcol validate agent.yaml + %s:\n%s", overlay, validate.logTail(20))
          .isZero();
    }
  }

  /** One gateway collector: its env (ports), its sink, its process (replaced on restart). */
  private static final class Gateway {
    final String name;
    final OtlpSink sink;
    final Map<String, String> env = new HashMap<>();
    final int otlp = FreePorts.next();
    final int health = FreePorts.next();
    final int prometheus = FreePorts.next();
    PeerProcess process;

    Gateway(String name) throws Exception {
      this.name = name;
      sink = OtlpSink.start();
      env.put("GATEWAY_OTLP_GRPC_ENDPOINT", "127.0.0.1:" + otlp);
      env.put("GATEWAY_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + FreePorts.next());
      env.put("GATEWAY_HEALTH_ENDPOINT", "127.0.0.1:" + health);
      env.put("GATEWAY_PROMETHEUS_ENDPOINT", "127.0.0.1:" + prometheus);
      env.put("GATEWAY_DECISION_WAIT", DECISION_WAIT.toSeconds() + "s");
      env.put("GATEWAY_BASELINE_PERCENT", "0");
      env.put("GATEWAY_SPANMETRICS_FLUSH", "1s");
      env.put("GATEWAY_SELF_METRICS_LEVEL", "none");
      env.put("GATEWAY_BATCH_TIMEOUT", "200ms");
      env.put("TRACES_OTLP_ENDPOINT", sink.grpcEndpoint().replace("http://", ""));
    }

    void start(PeerProcesses peers) {
      process =
          peers
              .start(Peer.COLLECTOR, List.of("--config=" + CONFIGS.resolve("gateway.yaml")), env)
              .awaitHttpOk(URI.create("http://127.0.0.1:" + health + "/"), Duration.ofSeconds(60));
    }
  }

  /** One request as sent: the trace id it carried (we are the caller) and what came back. */
  record Sent(int phase, String traceId, String callerSpan, boolean sloHeader, int status) {}

  @Test
  void agentsRouteByTraceIdToTwoGatewaysThatKeepWholeTracesAndSurviveAGatewayCrash(
      PeerProcesses peers) throws Exception {
    List<AutoCloseable> closing = new ArrayList<>();
    try {
      run(peers, closing);
    } finally {
      for (int i = closing.size() - 1; i >= 0; i--) {
        closing.get(i).close();
      }
    }
  }

  private void run(PeerProcesses peers, List<AutoCloseable> closing) throws Exception {
    OtlpSink truth = OtlpSink.start();
    closing.add(truth);
    List<Gateway> gateways = List.of(new Gateway("gateway-0"), new Gateway("gateway-1"));
    for (Gateway g : gateways) {
      closing.add(g.sink);
      g.start(peers);
    }
    String hostnames =
        gateways.stream()
            .map(g -> "127.0.0.1:" + g.otlp)
            .collect(Collectors.joining(",", "[", "]"));
    List<String> agents = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      int grpc = FreePorts.next();
      int health = FreePorts.next();
      Map<String, String> env = new HashMap<>();
      env.put("AGENT_OTLP_GRPC_ENDPOINT", "127.0.0.1:" + grpc);
      env.put("AGENT_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + FreePorts.next());
      env.put("AGENT_HEALTH_ENDPOINT", "127.0.0.1:" + health);
      env.put("AGENT_BATCH_TIMEOUT", "200ms");
      env.put("AGENT_SELF_METRICS_LEVEL", "none");
      env.put("GATEWAY_HOSTNAMES", hostnames);
      peers
          .start(
              Peer.COLLECTOR,
              List.of(
                  "--config=" + CONFIGS.resolve("agent.yaml"),
                  "--config=" + CONFIGS.resolve("agent-loadbalancing.yaml"),
                  // No Kubernetes API here: without k8s_attributes.
                  "--set=service::pipelines::traces::processors=[memory_limiter,batch]"),
              env)
          .awaitHttpOk(URI.create("http://127.0.0.1:" + health + "/"), Duration.ofSeconds(60));
      agents.add("http://127.0.0.1:" + grpc);
    }

    Sim sim =
        Sim.start(
            SimConfig.loopback("m")
                .withEngine(
                    new EngineConfig(
                        64,
                        2048,
                        16,
                        2048,
                        4096,
                        true,
                        100,
                        new StepTimeModel(1.0, 0.01, 0.0, 0.005))));
    closing.add(sim);
    // worker-0 (behind ingress-0) exports to agent-1, worker-1 (behind ingress-1) to agent-0:
    // every trace crosses both agents.
    List<ProxyRuntime> workers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      OpenTelemetrySdk sdk = sdk("infertrace-worker", "worker-" + i, agents.get(1 - i), truth);
      closing.add(sdk);
      ProxyRuntime w =
          ProxyRuntime.builder(
                  ProxyConfig.loopback(Role.WORKER, List.of(URI.create(sim.baseUrl()))))
              .openTelemetry(sdk)
              .start();
      closing.add(w);
      workers.add(w);
    }
    List<ProxyRuntime> ingresses = new ArrayList<>();
    List<Integer> admins = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      List<URI> upstreams = new ArrayList<>(List.of(URI.create(workers.get(i).baseUrl())));
      if (i == 1) {
        // Nobody listens there: every other request of ingress-1 fails (502, status ERROR).
        upstreams.add(URI.create("http://127.0.0.1:" + FreePorts.next()));
      }
      OpenTelemetrySdk sdk = sdk("infertrace-ingress", "ingress-" + i, agents.get(i), truth);
      closing.add(sdk);
      int admin = FreePorts.next();
      ProxyRuntime ingress =
          ProxyRuntime.builder(ProxyConfig.loopback(Role.INGRESS, upstreams))
              .openTelemetry(sdk)
              .admin(new InetSocketAddress("127.0.0.1", admin))
              .start();
      closing.add(ingress);
      ingresses.add(ingress);
      admins.add(admin);
    }
    RoundRobinFront front =
        new RoundRobinFront(ingresses.stream().map(ProxyRuntime::address).toList());
    closing.add(front);

    Map<String, Sent> sent = new LinkedHashMap<>();

    // Phase 1: steady state, both gateways up.
    send(front.port(), 1, 80, sent);
    awaitTruth(truth, sent);
    Map<String, List<ReceivedSpan>> truthByTrace = byTrace(truth.spans());
    Set<String> keepWorthy1 = keepWorthy(truthByTrace, sent, 1);
    awaitKept(gateways, truthByTrace, keepWorthy1, Duration.ofSeconds(60));

    // (4) Two ingress replicas behind one address: every trace whole and correct.
    checkTraceShapes(truthByTrace, sent);
    assertThat(front.connections(0)).isGreaterThanOrEqualTo(40);
    assertThat(front.connections(1)).isGreaterThanOrEqualTo(40);

    // Span metrics, summed over both gateways, against the ingresses' own request counts.
    long ingressRequests = 0;
    for (int admin : admins) {
      ingressRequests +=
          sumSamples(
              get("http://127.0.0.1:" + admin + "/metrics"), "infertrace_requests_total", Map.of());
    }
    assertThat(ingressRequests).as("requests the ingresses counted").isEqualTo(sent.size());
    long[] spanMetricCalls = new long[1];
    poll(
        Duration.ofSeconds(30),
        () -> {
          spanMetricCalls[0] = ingressServerCalls(gateways);
          return spanMetricCalls[0] == sent.size();
        });
    assertThat((double) spanMetricCalls[0])
        .as("ingress SERVER spans counted by both gateways' span metrics")
        .isCloseTo(ingressRequests, org.assertj.core.data.Percentage.withPercentage(1));
    long phase1Spans = truth.spans().size();
    long phase1Kept = keepWorthy1.size();
    long healthyKept =
        truthByTrace.keySet().stream()
            .filter(t -> !keepWorthy1.contains(t))
            .filter(t -> gatewayOf(gateways, t) != null)
            .count();
    assertThat(healthyKept).as("healthy traces kept at a 0 %% baseline").isZero();

    // Phase 2: traffic, then gateway-1 crashes while it still holds undecided traces.
    send(front.port(), 2, 30, sent);
    awaitTruth(truth, sent);
    // Every ingress SERVER span has reached a gateway (its span metrics count it): the traces
    // are in the gateways' decision windows.
    assertThat(poll(Duration.ofSeconds(30), () -> ingressServerCalls(gateways) == sent.size()))
        .as("every ingress SERVER span at a gateway before the crash")
        .isTrue();
    gateways.get(1).process.crash();
    long crashedWithin = Duration.ofNanos(System.nanoTime() - lastSendEnd).toMillis();

    // Phase 3: traffic while gateway-1 is down (its traces wait in the agents' queues).
    send(front.port(), 3, 20, sent);
    awaitTruth(truth, sent);
    gateways.get(1).start(peers);
    // Phase 4: traffic after the restart.
    send(front.port(), 4, 20, sent);
    awaitTruth(truth, sent);
    truthByTrace = byTrace(truth.spans());

    Map<String, List<ReceivedSpan>> finalTruth = truthByTrace;
    Set<String> keepWorthy2 = keepWorthy(finalTruth, sent, 2);
    Set<String> keepWorthy3 = keepWorthy(finalTruth, sent, 3);
    Set<String> keepWorthy4 = keepWorthy(finalTruth, sent, 4);
    Set<String> after = new HashSet<>(keepWorthy3);
    after.addAll(keepWorthy4);
    Set<String> allKeepWorthy = new HashSet<>(keepWorthy1);
    allKeepWorthy.addAll(keepWorthy2);
    allKeepWorthy.addAll(after);
    Set<String> phase2 =
        sent.values().stream()
            .filter(s -> s.phase() == 2)
            .map(Sent::traceId)
            .collect(Collectors.toSet());

    // Probes: one ERROR span in a trace, through agent-0; the gateway that keeps it is the one
    // the ring routes the trace to. Sent for every kept-worthy trace and every phase-2 trace. The
    // restarted gateway-1 forgot every phase-2 trace, so it keeps the probe of each one routed to
    // it: those are the traces it held when it crashed. (gateway-0 drops the probe of a healthy
    // trace it already decided to drop: that decision stays in its memory.)
    Set<String> probed = new HashSet<>(allKeepWorthy);
    probed.addAll(phase2);
    try (OpenTelemetrySdk probes = sdk("scale-out-probe", "probe", agents.get(0), null)) {
      Tracer tracer = probes.getTracer("probe");
      for (String t : probed) {
        Span span =
            tracer
                .spanBuilder(PROBE)
                .setParent(
                    Context.root()
                        .with(
                            Span.wrap(
                                SpanContext.createFromRemoteParent(
                                    t,
                                    sent.get(t).callerSpan(),
                                    TraceFlags.getSampled(),
                                    TraceState.getDefault()))))
                .startSpan();
        span.setStatus(StatusCode.ERROR, "probe");
        span.end();
      }
    }
    Map<String, Gateway> routedTo = new HashMap<>();
    Runnable readProbes =
        () -> {
          for (Gateway g : gateways) {
            for (ReceivedSpan s : g.sink.spans()) {
              if (s.name().equals(PROBE)) {
                Gateway before = routedTo.put(s.traceId(), g);
                assertThat(before == null || before == g)
                    .as("probes of %s in both gateways", s.traceId())
                    .isTrue();
              }
            }
          }
        };
    poll(
        Duration.ofSeconds(90),
        () -> {
          readProbes.run();
          return routedTo.keySet().containsAll(allKeepWorthy);
        });
    assertThat(routedTo.keySet())
        .as("the probe of every kept-worthy trace kept")
        .containsAll(allKeepWorthy);
    // The healthy phase-2 probes on gateway-1 went in the same decision ticks; settle 3 s more.
    int[] seen = {-1};
    long[] stableSince = {System.nanoTime()};
    poll(
        Duration.ofSeconds(30),
        () -> {
          readProbes.run();
          if (routedTo.size() != seen[0]) {
            seen[0] = routedTo.size();
            stableSince[0] = System.nanoTime();
          }
          return System.nanoTime() - stableSince[0] > 3_000_000_000L;
        });

    // Phase-1 traces: the probe went where the trace was kept (the ring is the same everywhere).
    for (String t : keepWorthy1) {
      assertThat(routedTo.get(t).name).as("trace %s", t).isEqualTo(gatewayOf(gateways, t).name);
    }
    // Phases 3 and 4: every error and SLO miss kept whole, including those routed to gateway-1
    // while it was down (retried by the agents) and after its restart.
    awaitKept(gateways, finalTruth, after, Duration.ofSeconds(90));
    Set<String> phase2OnKilled =
        phase2.stream().filter(t -> routedTo.get(t) == gateways.get(1)).collect(Collectors.toSet());
    Set<String> lost = new HashSet<>();
    for (String t : keepWorthy2) {
      if (!keptWhole(gateways, finalTruth, t)) {
        lost.add(t);
      }
    }
    assertThat(phase2OnKilled).as("gateway-1 held traces when it crashed").isNotEmpty();
    assertThat(lost)
        .as("lost traces are all ones the killed gateway held")
        .isSubsetOf(phase2OnKilled);
    for (String t : keepWorthy2) {
      if (routedTo.get(t) == gateways.get(0)) {
        assertThat(keptWhole(gateways, finalTruth, t)).as("trace %s on gateway-0", t).isTrue();
      }
    }

    // Every span of a kept trace in ONE gateway (probes aside): none of it in the other.
    int kept = 0;
    for (String t : finalTruth.keySet()) {
      int in = 0;
      for (Gateway g : gateways) {
        if (g.sink.spans().stream()
            .anyMatch(s -> s.traceId().equals(t) && !s.name().equals(PROBE))) {
          in++;
        }
      }
      assertThat(in).as("gateways holding spans of trace %s", t).isLessThanOrEqualTo(1);
      kept += in;
    }
    Set<String> keptWorthyKept =
        allKeepWorthy.stream()
            .filter(t -> keptWhole(gateways, finalTruth, t))
            .collect(Collectors.toSet());
    long keptOn0 = keptOn(gateways.get(0), keptWorthyKept);
    long keptOn1 = keptOn(gateways.get(1), keptWorthyKept);
    assertThat(keptOn0).as("traces kept by gateway-0").isPositive();
    assertThat(keptOn1).as("traces kept by gateway-1").isPositive();
    checkTraceShapes(finalTruth, sent);

    long errors = sent.values().stream().filter(s -> s.status() >= 500).count();
    long sloMisses = sent.values().stream().filter(x -> x.sloHeader() && x.status() == 200).count();
    String figures =
        String.format(
            "scale-out: %d requests (%d via ingress-0, %d via ingress-1; %d errors (502), %d"
                + " SLO misses (1 ms TTFT objective)), %d spans (phase 1: %d); %d of %d"
                + " kept-worthy traces kept whole (gateway-0 %d, gateway-1 %d; with probes,"
                + " traces in a gateway: %d); phase 1: %d kept-worthy all kept whole, span metrics %d ="
                + " ingress /metrics %d; gateway-1 SIGKILLed %d ms after the last phase-2 response"
                + " holding %d traces (%d kept-worthy): %d lost; phases 3-4 (down, restarted):"
                + " %d kept-worthy, all kept",
            sent.size(),
            front.connections(0),
            front.connections(1),
            errors,
            sloMisses,
            finalTruth.values().stream().mapToLong(List::size).sum(),
            phase1Spans,
            keptWorthyKept.size(),
            allKeepWorthy.size(),
            keptOn0,
            keptOn1,
            kept,
            phase1Kept,
            spanMetricCalls[0],
            ingressRequests,
            crashedWithin,
            phase2OnKilled.size(),
            keepWorthy2.stream().filter(phase2OnKilled::contains).count(),
            lost.size(),
            after.size());
    System.out.println(figures);
  }

  private volatile long lastSendEnd;

  private OpenTelemetrySdk sdk(String service, String instance, String agent, OtlpSink truth) {
    SdkTracerProviderBuilder tracing =
        SdkTracerProvider.builder()
            .setResource(
                Resource.builder()
                    .put("service.name", service)
                    .put("service.instance.id", instance)
                    .build())
            .addSpanProcessor(processor(OtlpGrpcSpanExporter.builder().setEndpoint(agent).build()));
    if (truth != null) {
      tracing.addSpanProcessor(
          processor(OtlpGrpcSpanExporter.builder().setEndpoint(truth.grpcEndpoint()).build()));
    }
    return OpenTelemetrySdk.builder()
        .setTracerProvider(tracing.build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  private static BatchSpanProcessor processor(SpanExporter exporter) {
    return BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(50)).build();
  }

  /**
   * {@code count} requests through the front, 4 at a time; every 4th with a 1 ms TTFT objective.
   */
  private void send(int port, int phase, int count, Map<String, Sent> sent) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Sent>> results = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        boolean slo = i % 4 == 0;
        results.add(pool.submit(() -> request(port, phase, slo)));
      }
      for (Future<Sent> f : results) {
        Sent s = f.get();
        synchronized (sent) {
          sent.put(s.traceId(), s);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    lastSendEnd = System.nanoTime();
  }

  /** One streamed chat completion over its own connection ("Connection: close"), raw HTTP/1.1. */
  private static Sent request(int port, int phase, boolean slo) throws Exception {
    String traceId = hex(16);
    String caller = hex(8);
    String body =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}],"
            + "\"max_tokens\":6,\"ignore_eos\":true,\"stream\":true}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head =
        new StringBuilder()
            .append("POST /v1/chat/completions HTTP/1.1\r\n")
            .append("Host: 127.0.0.1:")
            .append(port)
            .append("\r\nContent-Type: application/json\r\nContent-Length: ")
            .append(bytes.length)
            .append("\r\ntraceparent: 00-")
            .append(traceId)
            .append('-')
            .append(caller)
            .append("-01\r\n");
    if (slo) {
      head.append("x-llm-d-slo-ttft-ms: 1\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        response.write(buf, 0, n);
      }
      String text = response.toString(StandardCharsets.UTF_8);
      assertThat(text).as("response to %s", traceId).startsWith("HTTP/1.1 ");
      int status = Integer.parseInt(text.substring(9, 12));
      if (status == 200) {
        assertThat(text).as("stream of %s", traceId).contains("data: [DONE]");
      }
      return new Sent(phase, traceId, caller, slo, status);
    }
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(b);
    b[0] |= 1; // never all zero
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(String.format("%02x", x));
    }
    return s.toString();
  }

  /**
   * Waits until the truth sink holds every sent request's ingress SERVER span (the last span of a
   * trace to end) and the span count has not moved for half a second (the workers' spans).
   */
  private static void awaitTruth(OtlpSink truth, Map<String, Sent> sent) throws Exception {
    long[] last = {-1};
    long[] stableSince = {System.nanoTime()};
    poll(
        Duration.ofSeconds(60),
        () -> {
          List<ReceivedSpan> spans = truth.spans();
          Set<String> roots = new HashSet<>();
          for (ReceivedSpan s : spans) {
            if (isIngressServer(s)) {
              roots.add(s.traceId());
            }
          }
          if (spans.size() != last[0]) {
            last[0] = spans.size();
            stableSince[0] = System.nanoTime();
          }
          return roots.containsAll(sent.keySet())
              && System.nanoTime() - stableSince[0] > 500_000_000L;
        });
  }

  private static boolean isIngressServer(ReceivedSpan s) {
    return s.kind() == io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER
        && "infertrace-ingress".equals(s.serviceName());
  }

  private static Map<String, List<ReceivedSpan>> byTrace(List<ReceivedSpan> spans) {
    Map<String, List<ReceivedSpan>> out = new HashMap<>();
    for (ReceivedSpan s : spans) {
      out.computeIfAbsent(s.traceId(), k -> new ArrayList<>()).add(s);
    }
    return out;
  }

  /** The traces of {@code phase} gateway.yaml's policies must keep (an ERROR span, an SLO miss). */
  private static Set<String> keepWorthy(
      Map<String, List<ReceivedSpan>> truth, Map<String, Sent> sent, int phase) {
    Set<String> out = new HashSet<>();
    for (Sent s : sent.values()) {
      if (s.phase() != phase) {
        continue;
      }
      boolean keep = false;
      for (ReceivedSpan span : truth.get(s.traceId())) {
        keep |=
            span.span().getStatus().getCode()
                == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR;
        keep |= Boolean.FALSE.equals(span.attribute("llm.slo.met"));
        Object ttft = span.attribute("gen_ai.latency.time_to_first_token");
        keep |= ttft instanceof Double d && d > 2.0;
      }
      if (s.status() >= 500) {
        assertThat(keep).as("a %d is an ERROR trace: %s", s.status(), s.traceId()).isTrue();
      }
      if (s.sloHeader() && s.status() == 200) {
        assertThat(keep).as("a 1 ms TTFT objective is missed: %s", s.traceId()).isTrue();
      }
      if (keep) {
        out.add(s.traceId());
      }
    }
    assertThat(out).as("phase %d has traces to keep", phase).isNotEmpty();
    return out;
  }

  private static Gateway gatewayOf(List<Gateway> gateways, String traceId) {
    for (Gateway g : gateways) {
      if (g.sink.spans().stream()
          .anyMatch(s -> s.traceId().equals(traceId) && !s.name().equals(PROBE))) {
        return g;
      }
    }
    return null;
  }

  private static long keptOn(Gateway g, Set<String> traces) {
    return g.sink.spans().stream()
        .filter(s -> !s.name().equals(PROBE))
        .map(ReceivedSpan::traceId)
        .filter(traces::contains)
        .distinct()
        .count();
  }

  /** Whether one gateway holds every span the stack made for {@code traceId}. */
  private static boolean keptWhole(
      List<Gateway> gateways, Map<String, List<ReceivedSpan>> truth, String traceId) {
    Set<String> want =
        truth.get(traceId).stream().map(ReceivedSpan::spanId).collect(Collectors.toSet());
    for (Gateway g : gateways) {
      Set<String> have =
          g.sink.spans().stream()
              .filter(s -> s.traceId().equals(traceId))
              .map(ReceivedSpan::spanId)
              .collect(Collectors.toSet());
      if (have.containsAll(want)) {
        return true;
      }
    }
    return false;
  }

  private static void awaitKept(
      List<Gateway> gateways,
      Map<String, List<ReceivedSpan>> truth,
      Set<String> traces,
      Duration timeout)
      throws Exception {
    Set<String> missing = new HashSet<>(traces);
    poll(
        timeout,
        () -> {
          missing.removeIf(t -> keptWhole(gateways, truth, t));
          return missing.isEmpty();
        });
    assertThat(missing).as("errors and SLO misses not kept whole by one gateway").isEmpty();
  }

  /**
   * Each request's trace, from the truth sink: one ingress SERVER span, child of our caller span,
   * from one ingress replica; one ingress CLIENT span under it; for a 200, one worker SERVER span
   * under that CLIENT span; every parent inside the trace; the 502s only from ingress-1.
   */
  private static void checkTraceShapes(
      Map<String, List<ReceivedSpan>> truth, Map<String, Sent> sent) {
    Map<String, Integer> byReplica = new HashMap<>();
    for (Sent s : sent.values()) {
      List<ReceivedSpan> spans = truth.get(s.traceId());
      assertThat(spans).as("trace %s", s.traceId()).isNotNull();
      List<ReceivedSpan> roots =
          spans.stream().filter(CollectorScaleOutIT::isIngressServer).toList();
      assertThat(roots).as("ingress SERVER spans of %s", s.traceId()).hasSize(1);
      ReceivedSpan root = roots.get(0);
      assertThat(root.parentSpanId()).isEqualTo(s.callerSpan());
      String replica = instance(root);
      byReplica.merge(replica, 1, Integer::sum);
      Set<String> ids = spans.stream().map(ReceivedSpan::spanId).collect(Collectors.toSet());
      assertThat(ids).as("span ids of %s unique", s.traceId()).hasSize(spans.size());
      for (ReceivedSpan span : spans) {
        if (span != root) {
          assertThat(ids)
              .as("parent of %s in %s", span.name(), s.traceId())
              .contains(span.parentSpanId());
        }
        if ("infertrace-ingress".equals(span.serviceName())) {
          assertThat(instance(span)).as("one ingress replica per trace").isEqualTo(replica);
        }
      }
      List<ReceivedSpan> clients =
          spans.stream()
              .filter(
                  x ->
                      x.kind() == io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT
                          && x.parentSpanId().equals(root.spanId()))
              .toList();
      assertThat(clients).as("ingress CLIENT span of %s", s.traceId()).hasSize(1);
      List<ReceivedSpan> workerServers =
          spans.stream()
              .filter(
                  x ->
                      x.kind() == io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER
                          && "infertrace-worker".equals(x.serviceName()))
              .toList();
      if (s.status() == 200) {
        assertThat(workerServers).as("worker SERVER span of %s", s.traceId()).hasSize(1);
        assertThat(workerServers.get(0).parentSpanId()).isEqualTo(clients.get(0).spanId());
        assertThat(instance(workerServers.get(0)))
            .as("the worker behind %s", replica)
            .isEqualTo(replica.replace("ingress", "worker"));
      } else {
        assertThat(s.status()).as("request %s", s.traceId()).isEqualTo(502);
        assertThat(replica).isEqualTo("ingress-1");
        assertThat(workerServers).isEmpty();
      }
    }
    assertThat(byReplica.keySet()).containsExactlyInAnyOrder("ingress-0", "ingress-1");
  }

  private static String instance(ReceivedSpan s) {
    return s.resource().getAttributesList().stream()
        .filter(kv -> kv.getKey().equals("service.instance.id"))
        .map(kv -> kv.getValue().getStringValue())
        .findFirst()
        .orElse(null);
  }

  /** The span-metric count of ingress SERVER spans, summed over the gateways that are up. */
  private long ingressServerCalls(List<Gateway> gateways) {
    long sum = 0;
    for (Gateway g : gateways) {
      try {
        sum +=
            sumSamples(
                get("http://127.0.0.1:" + g.prometheus + "/metrics"),
                "traces_span_metrics_calls_total",
                Map.of("service_name", "infertrace-ingress", "span_kind", "SPAN_KIND_SERVER"));
      } catch (Exception down) {
        // a gateway that is not up counts nothing
      }
    }
    return sum;
  }

  /** Sum of the samples of {@code metric} whose labels include {@code labels}. */
  static long sumSamples(String page, String metric, Map<String, String> labels) {
    double sum = 0;
    for (String line : page.split("\n")) {
      if (!line.startsWith(metric + "{") && !line.startsWith(metric + " ")) {
        continue;
      }
      int close = line.indexOf('}');
      String labelText = close < 0 ? "" : line.substring(metric.length(), close + 1);
      boolean match = true;
      for (var e : labels.entrySet()) {
        match &= labelText.contains(e.getKey() + "=\"" + e.getValue() + "\"");
      }
      if (match) {
        String rest = line.substring(close < 0 ? metric.length() : close + 1).trim();
        sum += Double.parseDouble(rest.split(" ")[0]);
      }
    }
    return Math.round(sum);
  }

  private String get(String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    return r.body();
  }

  /** Polls {@code done} every 200 ms until it holds or {@code timeout} passes; returns whether. */
  private static boolean poll(Duration timeout, BooleanSupplier done) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (done.getAsBoolean()) {
        return true;
      }
      Thread.sleep(200);
    }
    return done.getAsBoolean();
  }
}
