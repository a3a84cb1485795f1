package dev.infertrace.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.proxy.ProxyMain;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.testbed.epp.RefEpp;
import dev.infertrace.testbed.epp.Scorer;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The proxy commands as an operator runs them: {@code worker} and {@code ingress --epp} as child
 * JVMs with their flags, stopped with SIGTERM, their trace files read back.
 */
class ProxyCommandsTest {
  @TempDir Path tmp;

  /** Starts {@code ProxyMain args} in a child JVM and waits for its "listening" line. */
  private static Process start(List<String> args) throws Exception {
    return start(List.of(), args, new StringBuilder());
  }

  /**
   * Starts {@code java jvm... ProxyMain args} and waits for its "listening" line; what it printed
   * up to that line is added to {@code seen}.
   */
  private static Process start(List<String> jvm, List<String> args, StringBuilder seen)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvm);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ProxyMain.class.getName());
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + 30_000_000_000L;
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.contains("listening on")) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    while (out.readLine() != null) {}
                  } catch (java.io.IOException ignored) {
                    // the child ended
                  }
                });
        drain.setDaemon(true);
        drain.start();
        return p;
      }
    }
    p.destroyForcibly();
    throw new AssertionError("no 'listening on' line from " + args + ":\n" + seen);
  }

  /**
   * Writes an endpoints file at {@code file} naming one endpoint, w0 on 127.0.0.1:{@code port}, and
   * starts a reference EPP that picks among it.
   */
  private static RefEpp refEpp(int port, Path file) throws Exception {
    Files.writeString(
        file, "endpoints:\n  - {name: w0, address: 127.0.0.1, port: \"" + port + "\"}\n");
    return RefEpp.start(
        new InetSocketAddress("127.0.0.1", 0),
        List.of(new Endpoint("w0", "127.0.0.1", port)),
        new Scorer(1, 1, 1),
        false);
  }

  /** One streamed chat completion of 4 tokens for model "m" through the proxy on {@code port}. */
  private static HttpResponse<String> streamedChat(int port) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(20))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"max_tokens\":4,\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static List<Map<String, JsonNode>> spans(Path file) throws Exception {
    List<Map<String, JsonNode>> out = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String line : Files.readAllLines(file)) {
      for (JsonNode rs : json.readTree(line).path("resourceSpans")) {
        for (JsonNode ss : rs.path("scopeSpans")) {
          for (JsonNode s : ss.path("spans")) {
            Map<String, JsonNode> m = new HashMap<>();
            m.put("name", s.path("name"));
            for (JsonNode a : s.path("attributes")) {
              m.put(a.path("key").asText(), a.path("value"));
            }
            out.add(m);
          }
        }
      }
    }
    return out;
  }

  @Test
  void workerScrapesItsEngineAndGpuAndTheIngressRoutesThroughTheEpp() throws Exception {
    try (Sim sim = Sim.start(SimConfig.loopback("m"))) {
      int workerPort = FreePorts.next();
      Path endpoints = tmp.resolve("endpoints.yaml");
      try (RefEpp epp = refEpp(workerPort, endpoints)) {
        Path workerTraces = tmp.resolve("worker.jsonl");
        Path ingressTraces = tmp.resolve("ingress.jsonl");
        Process worker =
            start(
                List.of(
                    "worker",
                    "--listen",
                    "127.0.0.1:" + workerPort,
                    "--upstream",
                    sim.baseUrl(),
                    "--dcgm",
                    "http://127.0.0.1:" + sim.dcgmAddress().getPort() + "/metrics",
                    "--otlp-receiver",
                    "127.0.0.1:" + FreePorts.next(),
                    "--otlp-receiver-http",
                    "127.0.0.1:" + FreePorts.next(),
                    "--engine-span-wait",
                    "200ms",
                    "--trace-file",
                    workerTraces.toString()));
        int ingressPort = FreePorts.next();
        Process ingress =
            start(
                List.of(
                    "ingress",
                    "--listen",
                    "127.0.0.1:" + ingressPort,
                    "--epp",
                    "127.0.0.1:" + epp.port(),
                    "--endpoints",
                    endpoints.toString(),
                    "--epp-failure",
                    "closed",
                    "--trace-file",
                    ingressTraces.toString()));
        try {
          Thread.sleep(1500); // the worker's first DCGM scrape and the EPP's /metrics scrapes
          HttpResponse<String> r = streamedChat(ingressPort);
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
          Thread.sleep(500); // the stream-measured phases after --engine-span-wait
        } finally {
          worker.destroy(); // SIGTERM: the shutdown hook flushes the spans
          ingress.destroy();
          assertThat(worker.waitFor(20, TimeUnit.SECONDS)).isTrue();
          assertThat(ingress.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        Map<String, JsonNode> server =
            spans(workerTraces).stream()
                .filter(s -> s.get("name").path("stringValue").asText().isEmpty())
                .filter(s -> s.get("name").asText().startsWith("chat"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no worker chat span"));
        assertThat(server).containsKeys("vllm.num_requests_waiting", "vllm.kv_cache_usage_perc");
        assertThat(spans(workerTraces))
            .as("the stream-measured decode phase carries the GPU's state")
            .anySatisfy(
                s -> {
                  assertThat(s.get("name").asText()).isEqualTo("llm.decode");
                  assertThat(s).containsKeys("dcgm.gpu_util", "dcgm.sm_clock");
                });
        Map<String, JsonNode> ext =
            spans(ingressTraces).stream()
                .filter(s -> s.get("name").asText().startsWith("envoy.service.ext_proc"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no ext_proc span"));
        assertThat(ext.get("llm.route.outcome").path("stringValue").asText()).isEqualTo("routed");
        assertThat(ext.get("llm.route.endpoint").path("stringValue").asText())
            .isEqualTo("127.0.0.1:" + workerPort);
      }
    }
  }

  @Test
  void aColdGatewaysFirstRequestLoadsNoGrpcOrProtobufClassOnItsEventLoop() throws Exception {
    // A cold `ingress --epp` (its own JVM, as in a pod) with a flight recording of every class
    // load and the thread that made it; one streamed chat request through it after "listening
    // on". The ext_proc path (gRPC's call path, the protobuf messages, the marshaller) must have
    // been loaded at start, not on the event loop that holds every connection of that loop: in
    // `infertrace demo` that first load stood the loop still for 0.3 s.
    Path settings = classLoadSettings();
    Path recording = tmp.resolve("ingress.jfr");
    try (Sim sim = Sim.start(SimConfig.loopback("m"))) {
      int simPort = URI.create(sim.baseUrl()).getPort();
      Path endpoints = tmp.resolve("endpoints.yaml");
      try (RefEpp epp = refEpp(simPort, endpoints)) {
        int ingressPort = FreePorts.next();
        StringBuilder seen = new StringBuilder();
        Process ingress =
            start(
                List.of(
                    "-XX:StartFlightRecording=settings="
                        + settings
                        + ",filename="
                        + recording
                        + ",dumponexit=true"),
                List.of(
                    "ingress",
                    "--listen",
                    "127.0.0.1:" + ingressPort,
                    "--io-threads",
                    "1",
                    "--epp",
                    "127.0.0.1:" + epp.port(),
                    "--endpoints",
                    endpoints.toString(),
                    "--trace-file",
                    tmp.resolve("ingress.jsonl").toString()),
                seen);
        try {
          assertThat(seen.toString()).contains("the EPP is answering");
          HttpResponse<String> r = streamedChat(ingressPort);
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
          assertThat(r.body()).contains("data: [DONE]");
        } finally {
          ingress.destroy(); // SIGTERM: the recording is written as the JVM exits
          assertThat(ingress.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
      }
    }
    List<String> onTheLoop = loadedOnThread(recording, "proxy-ingress", null, null);
    // The recording saw the loop load classes (its own request path runs there for the first
    // time), so an empty list below is not a recording that missed the thread.
    assertThat(onTheLoop).anyMatch(c -> c.startsWith("dev.infertrace."));
    assertThat(
            onTheLoop.stream()
                .filter(
                    c ->
                        c.startsWith("io.grpc.")
                            || c.startsWith("com.google.protobuf.")
                            || c.startsWith("io.envoyproxy."))
                // One small class is left to a race no warm-up can settle: gRPC's retry buffer
                // creates its onReady callback (RetriableStream$3) only when the transport has
                // made the stream ready before the calling thread drained the buffer, and which
                // thread gets there first varies from run to run (seen in one run of three).
                .filter(c -> !c.equals("io.grpc.internal.RetriableStream$3"))
                .toList())
        .as("classes of the ext_proc path loaded on the event loop by the first request")
        .isEmpty();
  }

  @Test
  void aColdWorkersFirstRequestsLoadNoClassOnItsEventLoopAndItsWarmUpLeavesNoTrace()
      throws Exception {
    // A cold worker (its own JVM, as in a pod) with a flight recording of every class load and
    // the thread that made it, then a streamed and an unstreamed chat request through it after
    // "listening on". Its request path ran once before it listened, on a copy of its pipeline
    // (RequestPathWarmUp): no class may be loaded on its event loop for these first requests,
    // which before cost the first request 0.15-0.3 s of class loading there. And nothing of the
    // warm-up may show: its spans are not exported, its requests are not counted.
    Path recording = tmp.resolve("worker.jfr");
    Path traces = tmp.resolve("worker.jsonl");
    List<String> onTheLoop;
    String metrics;
    java.time.Instant answered;
    try (Sim sim = Sim.start(SimConfig.loopback("m"))) {
      int port = FreePorts.next();
      int admin = FreePorts.next();
      Process worker =
          start(
              List.of(
                  "-XX:StartFlightRecording=settings="
                      + classLoadSettings()
                      + ",filename="
                      + recording
                      + ",dumponexit=true"),
              List.of(
                  "worker",
                  "--listen",
                  "127.0.0.1:" + port,
                  "--upstream",
                  sim.baseUrl(),
                  "--io-threads",
                  "1",
                  "--otlp-receiver",
                  "off",
                  "--admin",
                  "127.0.0.1:" + admin,
                  "--trace-file",
                  traces.toString()),
              new StringBuilder());
      java.time.Instant firstSent = java.time.Instant.now();
      try {
        HttpResponse<String> streamed = streamedChat(port);
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
        assertThat(streamed.body()).contains("data: [DONE]");
        HttpResponse<String> whole =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .timeout(Duration.ofSeconds(20))
                        .POST(
                            HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"m\",\"max_tokens\":4,"
                                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
        metrics =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        answered = java.time.Instant.now();
      } finally {
        worker.destroy(); // SIGTERM: the recording and the spans are written as the JVM exits
        assertThat(worker.waitFor(20, TimeUnit.SECONDS)).isTrue();
      }
      // the loop's classes from the first request sent to the last answer read; its shutdown's
      // classes are loaded on it after that, as they must be
      onTheLoop = loadedOnThread(recording, "proxy-worker", firstSent, answered);
    }
    assertThat(onTheLoop)
        .as("classes first loaded on the event loop by the first two requests")
        .isEmpty();
    assertThat(metrics)
        .as("only the two real requests are counted")
        .contains("infertrace_requests_total{status=\"200\"} 2\n");
    List<Map<String, JsonNode>> spans = spans(traces);
    assertThat(spans)
        .as("the two requests' spans, and none of the warm-up's")
        .filteredOn(s -> s.get("name").asText().startsWith("chat"))
        .hasSize(2)
        .allSatisfy(
            s ->
                assertThat(s.get("gen_ai.request.model").path("stringValue").asText())
                    .isEqualTo("m"));
    assertThat(spans.toString()).doesNotContain("infertrace-warm-up");
  }

  /** JFR settings that record every class load (no stack traces, no other event). */
  private Path classLoadSettings() throws java.io.IOException {
    return Files.writeString(
        tmp.resolve("classload.jfc"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration version=\"2.0\">\n"
            + "  <event name=\"jdk.ClassLoad\">\n"
            + "    <setting name=\"enabled\">true</setting>\n"
            + "    <setting name=\"stackTrace\">false</setting>\n"
            + "    <setting name=\"threshold\">0 ms</setting>\n"
            + "  </event>\n</configuration>\n");
  }

  /**
   * The classes that a thread named {@code thread...} loaded (from {@code since} to {@code until},
   * each unbounded when null), sorted. JFR records a class each time a thread first resolves it,
   * already loaded or not: the first record of each class is the thread that loaded it.
   */
  private static List<String> loadedOnThread(
      Path recording,
      String thread,
      @javax.annotation.Nullable java.time.Instant since,
      @javax.annotation.Nullable java.time.Instant until)
      throws java.io.IOException {
    Map<String, jdk.jfr.consumer.RecordedEvent> first = new HashMap<>();
    jdk.jfr.consumer.RecordingFile.readAllEvents(recording).stream()
        .filter(e -> e.getEventType().getName().equals("jdk.ClassLoad") && e.getThread() != null)
        .sorted(java.util.Comparator.comparing(jdk.jfr.consumer.RecordedEvent::getStartTime))
        .forEach(e -> first.putIfAbsent(e.getClass("loadedClass").getName(), e));
    return first.entrySet().stream()
        .filter(e -> String.valueOf(e.getValue().getThread().getJavaName()).startsWith(thread))
        .filter(e -> since == null || !e.getValue().getStartTime().isBefore(since))
        .filter(e -> until == null || !e.getValue().getStartTime().isAfter(until))
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
  }

  @Test
  void theGatewayFlagsExplainWhatIsMissingOrWrong() {
    String[][] cases = {
      {"ingress", "--epp", "127.0.0.1:9002"},
      {"ingress", "--endpoints", "x.yaml", "--upstream", "http://127.0.0.1:1"},
      {"ingress", "--epp", "127.0.0.1:9002", "--endpoints", "/nonexistent/endpoints.yaml"},
    };
    String[] expected = {
      "--epp needs --endpoints FILE", "--endpoints needs --epp", "/nonexistent/endpoints.yaml"
    };
    for (int i = 0; i < cases.length; i++) {
      StringWriter err = new StringWriter();
      CommandLine cli = ProxyMain.commandLine();
      cli.setErr(new PrintWriter(err));
      assertThat(cli.execute(cases[i])).as(String.join(" ", cases[i])).isEqualTo(2);
      assertThat(err.toString()).contains(expected[i]);
    }
  }

  @Test
  void aBadFailurePolicyIsRefused() throws Exception {
    Path endpoints =
        Files.writeString(
            tmp.resolve("e.yaml"), "endpoints:\n  - {name: w0, address: 127.0.0.1, port: \"1\"}\n");
    StringWriter err = new StringWriter();
    CommandLine cli = ProxyMain.commandLine();
    cli.setErr(new PrintWriter(err));
    int exit =
        cli.execute(
            "ingress",
            "--epp",
            "127.0.0.1:9002",
            "--endpoints",
            endpoints.toString(),
            "--epp-failure",
            "sometimes");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .contains("--epp-failure must be 'open' or 'closed', not 'sometimes'");
  }

  @Test
  void anUnknownTransportIsNamedBeforeAnythingStarts() throws Exception {
    // INFERTRACE_TRANSPORT=kqueue (not offered): exit 2 with the variable's own message, before
    // the worker opens its OTLP receivers or tries to listen.
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            ProxyMain.class.getName(),
            "worker",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "http://127.0.0.1:9");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("INFERTRACE_TRANSPORT", "kqueue");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(2);
    assertThat(out)
        .contains("INFERTRACE_TRANSPORT must be auto, epoll, io_uring or nio, got 'kqueue'")
        .doesNotContain("cannot listen")
        .doesNotContain("OTLP receiver");
  }
}
