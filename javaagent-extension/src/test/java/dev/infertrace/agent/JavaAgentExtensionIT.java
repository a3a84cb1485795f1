package dev.infertrace.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.infertrace.agent.ChildJvm.Run;
import dev.infertrace.agent.apps.JdkApp;
import dev.infertrace.agent.apps.OkApp;
import dev.infertrace.agent.jdk.JdkHttpClientInstrumentationModule;
import dev.infertrace.testbed.e2e.TracedStack;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import dev.infertrace.testbed.sim.SimConfig;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.io.File;
import java.io.OutputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Child JVMs started with the real {@code opentelemetry-javaagent} (Maven Central, pinned) and the
 * built extension jar, running small apps that call the twin through the ingress proxy with the JDK
 * HttpClient and with OkHttp 4, exporting OTLP to an in-process receiver that also gets the proxy's
 * spans. Spans are checked against the twin's truth and the proxy's view.
 */
class JavaAgentExtensionIT {
  private static final String STREAM =
      "{\"model\":\"m\",\"max_tokens\":12,\"ignore_eos\":true,\"stream\":true,"
          + "\"stream_options\":{\"include_usage\":true},"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
  private static final String PLAIN =
      "{\"model\":\"m\",\"max_tokens\":7,\"ignore_eos\":true,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
  private static TracedStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = new TracedStack(SimConfig.loopback("m"));
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  /** The app's class path: its classes, and OkHttp / the OTel API only when asked for. */
  private static String appClasspath(boolean okhttp) {
    List<String> out = new ArrayList<>();
    for (Path p : ChildJvm.classpath()) {
      String name = p.getFileName().toString();
      boolean keep =
          p.toString().endsWith("test-classes")
              || name.startsWith("opentelemetry-api-1")
              || name.startsWith("opentelemetry-context-1")
              || (okhttp
                  && (name.startsWith("okhttp-4")
                      || name.startsWith("okio")
                      || name.startsWith("kotlin-stdlib")));
      if (keep) {
        out.add(p.toString());
      }
    }
    return String.join(File.pathSeparator, out);
  }

  private static Run run(
      Class<?> app, String url, String mode, String body, boolean agent, Map<String, String> extra)
      throws Exception {
    Map<String, String> options = new java.util.HashMap<>();
    Map<String, String> env = new java.util.HashMap<>();
    extra.forEach(
        (k, v) -> {
          if (k.startsWith("-D")) {
            options.put(k.substring(2), v);
          } else if (!k.equals("okhttp")) {
            env.put(k, v);
          }
        });
    return ChildJvm.run(
        ChildJvm.jdks().get(0),
        agent ? ChildJvm.pinnedAgent() : null,
        stack.sink.grpcEndpoint(),
        appClasspath(app == OkApp.class || extra.containsKey("okhttp")),
        options,
        env,
        List.of(app.getName(), url, mode, body));
  }

  private static Run run(Class<?> app, String mode, String body) throws Exception {
    Run r = run(app, stack.ingress.baseUrl(), mode, body, true, Map.of());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.line("STATUS")).isEqualTo("200");
    return r;
  }

  private static ReceivedSpan llmSpan(Run r) {
    return stack
        .sink
        .awaitSpans(
            s -> r.service().equals(s.serviceName()) && s.name().startsWith("chat"),
            1,
            Duration.ofSeconds(20))
        .get(0);
  }

  private static ReceivedSpan ingressServerOf(ReceivedSpan llm) {
    return Traces.ingressServer(stack.sink, llm);
  }

  /** The GenAI span is an ancestor of the ingress SERVER span. */
  private static void assertJoined(ReceivedSpan llm) {
    assertThat(Traces.ancestors(ingressServerOf(llm), stack.sink.spans()))
        .as("the GenAI span is an ancestor of the ingress SERVER span")
        .contains(llm.spanId());
  }

  private static void assertStreamed(ReceivedSpan llm) {
    assertThat(llm.kind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
    assertThat(llm.name()).isEqualTo("chat m");
    assertThat(llm.attribute("gen_ai.operation.name")).isEqualTo("chat");
    assertThat(llm.attribute("gen_ai.request.model")).isEqualTo("m");
    assertThat(llm.attribute("gen_ai.request.stream")).isEqualTo(true);
    assertThat(llm.attribute("gen_ai.request.max_tokens")).isEqualTo(12L);
    assertThat(llm.attribute("gen_ai.response.model")).isEqualTo("m");
    assertThat(llm.attribute("gen_ai.usage.output_tokens")).isEqualTo(12L);
    assertThat(llm.attribute("gen_ai.response.finish_reasons")).isEqualTo(List.of("length"));
    assertThat(llm.attribute("http.response.status_code")).isEqualTo(200L);
    double ttft = (double) llm.attribute("gen_ai.response.time_to_first_chunk");
    double tpot = (double) llm.attribute("gen_ai.latency.time_per_output_token");
    assertThat(llm.attribute("gen_ai.latency.inter_token.p99")).isNotNull();
    // The same mapping as the proxy's (core ResponseAttributes): the role chunk acks first.
    assertThat((double) llm.attribute("gen_ai.latency.time_to_ack")).isLessThanOrEqualTo(ttft);
    // The client's first token comes after the proxy saw it, not before; both are small here.
    ReceivedSpan server = ingressServerOf(llm);
    double proxyTtft = (double) server.attribute("gen_ai.latency.time_to_first_token");
    assertThat(ttft).isGreaterThanOrEqualTo(proxyTtft - 0.002).isLessThan(proxyTtft + 2.0);
    assertThat(tpot).isPositive().isLessThan(1.0);
    assertThat(server.attribute("gen_ai.usage.output_tokens")).isEqualTo(12L);
    assertThat(llm.attribute("gen_ai.response.id"))
        .isEqualTo(server.attribute("gen_ai.response.id"));
  }

  @Test
  void jdkHttpClientStreamingGetsAGenAiSpanThatJoinsTheProxysTrace() throws Exception {
    Run r = run(JdkApp.class, "stream", STREAM);
    ReceivedSpan llm = llmSpan(r);
    assertStreamed(llm);
    assertJoined(llm);
  }

  @Test
  void jdkHttpClientAsyncStreaming() throws Exception {
    Run r = run(JdkApp.class, "async", STREAM);
    ReceivedSpan llm = llmSpan(r);
    assertStreamed(llm);
    assertJoined(llm);
  }

  @Test
  void jdkHttpClientNonStreamingReadsUsageFromTheJson() throws Exception {
    Run r = run(JdkApp.class, "plain", PLAIN);
    ReceivedSpan llm = llmSpan(r);
    assertThat(llm.attribute("gen_ai.request.stream")).isEqualTo(false);
    assertThat(llm.attribute("gen_ai.usage.output_tokens")).isEqualTo(7L);
    assertThat(llm.attribute("gen_ai.usage.input_tokens")).isNotNull();
    assertThat(llm.attribute("gen_ai.response.finish_reasons")).isEqualTo(List.of("length"));
    assertJoined(llm);
  }

  @Test
  void okHttpStreamingAndNot() throws Exception {
    ReceivedSpan streamed = llmSpan(run(OkApp.class, "stream", STREAM));
    assertStreamed(streamed);
    assertJoined(streamed);
    ReceivedSpan async = llmSpan(run(OkApp.class, "async", STREAM));
    assertStreamed(async);
    ReceivedSpan plain = llmSpan(run(OkApp.class, "plain", PLAIN));
    assertThat(plain.attribute("gen_ai.usage.output_tokens")).isEqualTo(7L);
    assertJoined(plain);
  }

  @Test
  void anAbandonedStreamStillEndsItsSpanOnce() throws Exception {
    String longStream = STREAM.replace("\"max_tokens\":12", "\"max_tokens\":2000");
    for (Class<?> app : List.of(JdkApp.class, OkApp.class)) {
      Run r = run(app, "abandon", longStream);
      ReceivedSpan llm = llmSpan(r);
      assertThat(llm.attribute("llm.cancelled")).as(app.getSimpleName()).isEqualTo(true);
      Thread.sleep(300);
      assertThat(
              stack.sink.spans().stream()
                  .filter(s -> r.service().equals(s.serviceName()) && s.name().startsWith("chat"))
                  .count())
          .as("ended exactly once")
          .isEqualTo(1);
    }
  }

  @Test
  void aCallThatFailsEndsItsSpanWithTheError() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort(); // nothing listens there once this closes
    }
    for (Class<?> app : List.of(JdkApp.class, OkApp.class)) {
      Run r = run(app, "http://127.0.0.1:" + closed, "stream", STREAM, true, Map.of());
      assertThat(r.exit()).as("the app sees its own ConnectException").isNotZero();
      assertThat(r.output()).contains("ConnectException");
      ReceivedSpan llm = llmSpan(r);
      assertThat((String) llm.attribute("error.type")).contains("ConnectException");
      assertThat(llm.span().getStatus().getCode().getNumber()).as("status ERROR").isEqualTo(2);
    }
  }

  @Test
  void theBytesTheAppReadsAreTheSameWithAndWithoutTheAgent() throws Exception {
    // A deterministic upstream: the same SSE bytes every time, in several writes.
    byte[] canned = canned();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/chat/completions",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().set("Content-Type", "text/event-stream");
          ex.sendResponseHeaders(200, 0);
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < canned.length; i += 37) {
              out.write(canned, i, Math.min(37, canned.length - i));
              out.flush();
            }
          }
        });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      String expected =
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canned));
      for (Class<?> app : List.of(JdkApp.class, OkApp.class)) {
        for (boolean agent : new boolean[] {false, true}) {
          Run r = run(app, url, "stream", STREAM, agent, Map.of());
          assertThat(r.exit()).as(r.output()).isZero();
          assertThat(r.line("SHA256"))
              .as("%s with agent=%s", app.getSimpleName(), agent)
              .isEqualTo(expected);
        }
      }
    } finally {
      server.stop(0);
    }
  }

  private static byte[] canned() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      b.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",")
          .append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok")
          .append(i)
          .append(" é\"},\"finish_reason\":null}]}\n\n");
    }
    b.append("data: [DONE]\n\n");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void withoutOkHttpAndWithADeadDcgmEndpointTheAppRunsCleanly() throws Exception {
    Run r =
        run(
            JdkApp.class,
            stack.ingress.baseUrl(),
            "server",
            PLAIN,
            true,
            Map.of("-Dotel.infertrace.dcgm.endpoint", "http://127.0.0.1:1/metrics"));
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.line("STATUS")).isEqualTo("200");
    assertThat(r.output()).doesNotContain("Exception").doesNotContain("infertrace: ");
    ReceivedSpan server =
        stack
            .sink
            .awaitSpans(
                s -> r.service().equals(s.serviceName()) && s.name().equals("GET /work"),
                1,
                Duration.ofSeconds(20))
            .get(0);
    assertThat(server.attribute("dcgm.stale")).isEqualTo(true);
    assertThat(server.attribute("dcgm.gpu_util")).isNull();
    assertThat(llmSpan(r).attribute("gen_ai.request.model")).isEqualTo("m");
  }

  /**
   * A JDK without {@code java.net.http} (this one, its module left out with {@code
   * --limit-modules}), as Java 8 is: the extension loads, its OkHttp part traces, and the classes
   * of its JDK client part that link {@code java.net.http} are never loaded.
   */
  @Test
  void onAJdkWithoutJavaNetHttpTheJdkClientPartIsNeverLoaded(@TempDir Path dir) throws Exception {
    Set<String> removed = new HashSet<>(Set.of("java.net.http"));
    Set<ModuleDescriptor> all = new HashSet<>();
    ModuleFinder.ofSystem().findAll().forEach(m -> all.add(m.descriptor()));
    boolean more = true;
    while (more) { // and every module that requires one left out (java.se)
      more = false;
      for (ModuleDescriptor m : all) {
        if (!removed.contains(m.name())
            && m.requires().stream().anyMatch(r -> removed.contains(r.name()))) {
          more = removed.add(m.name());
        }
      }
    }
    String modules =
        all.stream()
            .map(ModuleDescriptor::name)
            .filter(n -> !removed.contains(n))
            .sorted()
            .collect(Collectors.joining(","));
    Path classLog = dir.resolve("classes.log");
    Run r =
        ChildJvm.run(
            ChildJvm.jdks().get(0),
            ChildJvm.pinnedAgent(),
            stack.sink.grpcEndpoint(),
            appClasspath(true),
            List.of("--limit-modules", modules, "-Xlog:class+load=info:file=" + classLog),
            Map.of(),
            Map.of(),
            List.of(OkApp.class.getName(), stack.ingress.baseUrl(), "stream", STREAM));
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).doesNotContain("Exception").doesNotContain("Error");
    assertStreamed(llmSpan(r));
    String loaded = Files.readString(classLog);
    assertThat(loaded)
        .as("the extension's JDK client module was loaded")
        .contains(JdkHttpClientInstrumentationModule.class.getName())
        .doesNotContain("java.net.http.")
        .doesNotContain("dev.infertrace.agent.jdk.http.");
  }

  @Test
  void gpuStateOnServerSpansAndPodResourceFromTheEnvironment() throws Exception {
    String dcgm = "http://127.0.0.1:" + stack.sim.dcgmAddress().getPort() + "/metrics";
    Run r =
        run(
            JdkApp.class,
            stack.ingress.baseUrl(),
            "server",
            PLAIN,
            true,
            Map.of(
                "-Dotel.infertrace.dcgm.endpoint", dcgm,
                "-Dotel.infertrace.dcgm.interval.ms", "200",
                "POD_NAME", "chat-svc-7d9f",
                "POD_NAMESPACE", "llm",
                "NODE_NAME", "gpu-node-3",
                "NVIDIA_VISIBLE_DEVICES", "GPU-aaaa,GPU-bbbb"));
    assertThat(r.exit()).as(r.output()).isZero();
    Predicate<ReceivedSpan> mine = s -> r.service().equals(s.serviceName());
    ReceivedSpan server =
        stack
            .sink
            .awaitSpans(mine.and(s -> s.name().equals("GET /work")), 1, Duration.ofSeconds(20))
            .get(0);
    // The uuids filter keeps none of the twin's GPUs (GPU-aaaa is not one of them): stale.
    // Without the filter the twin's GPU state lands on the span.
    assertThat(server.attribute("dcgm.stale")).isEqualTo(true);
    Map<String, Object> resource = new java.util.HashMap<>();
    server
        .resource()
        .getAttributesList()
        .forEach(kv -> resource.put(kv.getKey(), kv.getValue().toString()));
    assertThat(resource.get("k8s.pod.name").toString()).contains("chat-svc-7d9f");
    assertThat(resource.get("k8s.namespace.name").toString()).contains("llm");
    assertThat(resource.get("k8s.node.name").toString()).contains("gpu-node-3");
    assertThat(resource.get("infertrace.gpu.uuids").toString()).contains("GPU-aaaa", "GPU-bbbb");

    Run all =
        run(
            JdkApp.class,
            stack.ingress.baseUrl(),
            "server",
            PLAIN,
            true,
            Map.of(
                "-Dotel.infertrace.dcgm.endpoint",
                dcgm,
                "-Dotel.infertrace.dcgm.interval.ms",
                "200"));
    ReceivedSpan withGpu =
        stack
            .sink
            .awaitSpans(
                s -> all.service().equals(s.serviceName()) && s.name().equals("GET /work"),
                1,
                Duration.ofSeconds(20))
            .get(0);
    assertThat(withGpu.attribute("dcgm.gpu_util")).isNotNull();
    assertThat(withGpu.attribute("dcgm.sm_clock")).isNotNull();
    assertThat(withGpu.attribute("hw.id"))
        .as("a string array of GPU UUIDs, as the worker writes it")
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
        .isNotEmpty()
        .allSatisfy(id -> assertThat(id).asString().startsWith("GPU-"));
    assertThat(withGpu.attribute("dcgm.stale")).isNull();
  }
}
