package dev.infertrace.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.testbed.e2e.TracedStack;
import dev.infertrace.testbed.junit.PeerProcess;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.junit.TargetDir;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import dev.infertrace.testbed.peers.Peer;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fidelity, side by side on loopback: the same streamed requests as our load tool saw them, as the
 * OpenAI Python SDK (an independent client) saw them, and as the tracing ingress's SERVER spans
 * recorded them, matched by the trace id each client sent. Per request, TTFT and ITL (mean and
 * largest gap) are compared and the output token counts agree exactly; the mean gap holds within 1
 * ms at p99 for every client and our client's TTFT within 1 ms at p99; the SDK's TTFT and the
 * largest gaps are reported against that target. The table it prints is the one in BENCHMARKS.md.
 *
 * <p>Tagged {@code c1-jit}: the build runs it in a JVM of its own whose compiler stops at C1
 * (testbed/pom.xml). The stack, the sink and our client share this JVM and the host's two cores,
 * and with C2 recompiling the stack's paths through the run, 1-3 % of requests waited for a core
 * behind a compiler thread (TTFT p99 0.9-2.8 ms against 0.5-0.8 at C1 only; BENCHMARKS.md).
 */
@RequiresPeers(Peer.OPENAI_PYTHON)
@Tag("c1-jit")
class LoadFidelityIT {
  // 500, so that the p99 is the 5th-largest difference and not, as with 60, nearly the largest
  private static final int REQUESTS = 500;
  private static final int TOKENS = 16;
  private static final int GUIDELLM_REQUESTS = 20;
  // requests guidellm's scheduler may cancel on its side without failing the comparison
  private static final int GUIDELLM_MAY_CANCEL = 2;
  private static final int WARMUP = 3000;

  @Test
  void ourLoadToolTheSdkAndTheIngressSpansAgreePerRequest(PeerProcesses peers) throws Exception {
    SimConfig twin =
        SimConfig.loopback("m")
            .withEngine(
                new EngineConfig(
                    64, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(4, 0, 0, 0)));
    try (TracedStack stack = new TracedStack(twin)) {
      String url = stack.ingress.baseUrl();
      // The proxies and our client warmed first, as they are in a real run: on cold JVMs the
      // interpreted request paths put 0.2-1 ms between a client's send and the SERVER span's start
      // (measured with a raw-socket client: p50 0.76 ms cold, 0.10 ms after 3000 requests), which
      // is the JIT compiler, not what either side measures. The warm-up streams as many tokens as
      // the measured requests do, so the compiler is not still busy with the longer streams' paths
      // while they are measured (with 2-token warm-up streams, compiles ran into the measured run).
      Benchmark.Result warm =
          new Benchmark(
                  new BenchConfigs.Builder(BenchConfigs.closed(url, WARMUP, 16.0))
                      .prompts(Lengths.fixed(TOKENS), null)
                      .window(Duration.ZERO, Duration.ZERO, WARMUP, Duration.ZERO)
                      .build())
              .run();
      assertThat(warm.requests()).hasSize(WARMUP);
      // ours: one request at a time, like the SDK script, after a warm-up that is not counted
      Benchmark.Result ours =
          new Benchmark(
                  new BenchConfigs.Builder(BenchConfigs.closed(url, REQUESTS, 1.0))
                      .prompts(Lengths.fixed(TOKENS), null)
                      .window(Duration.ofSeconds(2), Duration.ZERO, REQUESTS, Duration.ZERO)
                      .build())
              .run();
      List<Fidelity.Seen> oursSeen = new ArrayList<>();
      for (RequestRecord r : ours.requests()) {
        if (r.measured()) {
          assertThat(r.error()).as("%s", r.errorDetail()).isNull();
          oursSeen.add(
              new Fidelity.Seen(r.traceId(), r.ttftMs(), r.itlMs(), r.e2eMs(), r.outputTokens()));
        }
      }
      List<Fidelity.Seen> sdkSeen = sdk(peers, url + "/v1");
      List<Fidelity.Seen> guidellmSeen = guidellm(peers, url);

      List<ReceivedSpan> spans =
          stack.sink.awaitSpans(
              s ->
                  "infertrace-ingress".equals(s.serviceName())
                      && s.kind() == io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER
                      && s.attribute(LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN) != null,
              WARMUP + ours.requests().size() + sdkSeen.size() + 3 + guidellmSeen.size() + 3,
              Duration.ofSeconds(20));
      Fidelity load = Fidelity.compare("infertrace load", oursSeen, spans);
      Fidelity sdk = Fidelity.compare("OpenAI Python SDK", sdkSeen, spans);
      System.out.println(
          "| client | requests | TTFT diff p50 / p99 / max ms | ITL mean diff | ITL max diff"
              + " | E2E diff | token counts equal |");
      System.out.println(load.row());
      System.out.println(sdk.row());
      Fidelity guide = null;
      if (!guidellmSeen.isEmpty()) {
        // guidellm sends no traceparent: its requests are matched by the response id
        guide =
            Fidelity.compare(
                "guidellm 0.8.1", guidellmSeen, spans, s -> s.attribute(LlmAttributes.RESPONSE_ID));
        System.out.println(guide.row());
      }

      double load1 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      int cpus = Runtime.getRuntime().availableProcessors();
      boolean quiet = load1 >= 0 && load1 < cpus;
      System.out.printf(
          "load average %.1f on %d CPUs: the 1 ms bound is %s%n",
          load1, cpus, quiet ? "checked" : "NOT checked (the machine is starved)");
      List<Fidelity> all = new ArrayList<>(List.of(load, sdk));
      if (guide != null) {
        all.add(guide);
      }
      for (Fidelity f : all) {
        assertThat(f.requests()).isEqualTo(f == guide ? guidellmSeen.size() : REQUESTS);
        assertThat(f.tokenMismatches()).as(f.row()).isZero();
        // a client's TTFT and E2E enclose the ingress's (it sends first and reads last)
        assertThat(f.signedTtftMin()).as(f.row()).isGreaterThanOrEqualTo(0);
        if (quiet) {
          // On a starved machine this measures the scheduler, not the clients.
          // The mean gap (a request's ITL as llm-load-test and guidellm report it) holds within 1
          // ms at p99 for every client, and our own client's TTFT does too: 0.41-0.81 ms in 29 of
          // 29 runs at C1 only. The SDK's TTFT (over 1 ms in 2 of 29 runs) and the largest gap
          // (over in 2 of 29 for each client) are reported (BENCHMARKS.md).
          assertThat(f.itlMean().p99()).as(f.row()).isLessThanOrEqualTo(1.0);
          if (f == load) {
            assertThat(f.ttft().p99()).as(f.row()).isLessThanOrEqualTo(1.0);
          }
        }
        System.out.printf(
            "%s: TTFT p99 %.2f ms, largest gap p99 %.2f ms: the 1 ms target is %s%n",
            f.client(),
            f.ttft().p99(),
            f.itlMax().p99(),
            f.ttft().p99() <= 1.0 && f.itlMax().p99() <= 1.0 ? "met" : "NOT met");
      }
      Path table = TargetDir.resolve("load-fidelity").resolve("load-fidelity.md");
      Files.writeString(
          table, load.row() + "\n" + sdk.row() + "\n" + (guide == null ? "" : guide.row() + "\n"));
    }
  }

  /**
   * guidellm (optional in the peer venv) one request at a time; empty, with a message, when it is
   * not installed.
   */
  private static List<Fidelity.Seen> guidellm(PeerProcesses peers, String baseUrl)
      throws Exception {
    Path python = peers.executable(Peer.OPENAI_PYTHON);
    Process probe = new ProcessBuilder(python.toString(), "-c", "import guidellm").start();
    if (probe.waitFor() != 0) {
      System.out.println("guidellm is not installed in the peer venv: its row is left out");
      return List.of();
    }
    Path dir = Files.createTempDirectory(TargetDir.resolve("load-fidelity"), "guidellm");
    Path data = dir.resolve("prompts.jsonl");
    StringBuilder prompts = new StringBuilder();
    for (int i = 0; i < GUIDELLM_REQUESTS + 3; i++) {
      prompts.append("{\"prompt\":\"request ").append(i).append(": why was this request slow\"}\n");
    }
    Files.writeString(data, prompts);
    Path out = dir.resolve("guidellm.json");
    PeerProcess run =
        peers.start(
            Peer.OPENAI_PYTHON,
            List.of(
                "-m",
                "guidellm",
                "run",
                "--backend",
                "kind=openai_http,target=" + baseUrl,
                "--profile",
                "kind=synchronous",
                "--constraint",
                "kind=max_requests,count=" + (GUIDELLM_REQUESTS + 3),
                "--data",
                "kind=json_file,path=" + data,
                "--output",
                "kind=json,path=" + out,
                "--disable-progress"),
            java.util.Map.of("HF_HUB_OFFLINE", "1", "NO_COLOR", "1"));
    assertThat(run.waitFor(Duration.ofSeconds(240))).as("log:\n%s", run.logTail(40)).isZero();
    JsonNode benchmark = new ObjectMapper().readTree(out.toFile()).at("/benchmarks/0");
    List<JsonNode> requests = new ArrayList<>();
    benchmark.at("/requests/successful").forEach(requests::add);
    // A request guidellm saw fail is a failure of the stack under test: shown with its error.
    List<String> errored = new ArrayList<>();
    benchmark
        .at("/requests/errored")
        .forEach(r -> errored.add(r.at("/info/error").asText() + " " + r.at("/info/traceback")));
    assertThat(errored).as("requests guidellm saw fail").isEmpty();
    // guidellm's own scheduler may cancel a request it had queued once its count is reached, or
    // before it started (seen once in CI on the 2-core machine: 22 of 23 came back, none errored);
    // that request never reached the stack and is not part of the comparison, which needs only
    // enough successful requests to compare.
    int cancelled = benchmark.at("/requests/incomplete").size();
    System.out.printf(
        "guidellm: %d successful, %d cancelled by its scheduler (%s)%n",
        requests.size(), cancelled, benchmark.at("/scheduler_state/end_processing_constraints"));
    assertThat(requests.size())
        .as("guidellm's successful requests (%d cancelled)", cancelled)
        .isGreaterThanOrEqualTo(GUIDELLM_REQUESTS + 3 - GUIDELLM_MAY_CANCEL);
    requests.sort(
        java.util.Comparator.comparingDouble(r -> r.path("request_start_time").asDouble()));
    List<Fidelity.Seen> seen = new ArrayList<>();
    // the first 3 warm the interpreter and its connection, not counted
    for (JsonNode r : requests.subList(3, requests.size())) {
      seen.add(
          new Fidelity.Seen(
              r.path("response_id").asText(),
              r.path("time_to_first_token_ms").asDouble(),
              List.of(),
              r.path("inter_token_latency_ms").asDouble(),
              r.path("request_latency").asDouble() * 1000,
              r.path("output_tokens").asInt()));
    }
    return seen;
  }

  private static List<Fidelity.Seen> sdk(PeerProcesses peers, String baseUrl) throws Exception {
    PeerProcess client =
        peers.start(
            Peer.OPENAI_PYTHON,
            List.of(
                TargetDir.repoRoot()
                    .resolve("testbed/src/test/resources/peers/openai_timing.py")
                    .toString(),
                baseUrl,
                "m",
                // the first 3 warm the interpreter and its connection, not counted
                Integer.toString(REQUESTS + 3),
                Integer.toString(TOKENS)));
    assertThat(client.waitFor(Duration.ofSeconds(120))).as("log:\n%s", client.logTail(30)).isZero();
    ObjectMapper json = new ObjectMapper();
    List<Fidelity.Seen> seen = new ArrayList<>();
    for (String line : Files.readAllLines(client.log())) {
      if (!line.startsWith("{")) {
        continue;
      }
      JsonNode n = json.readTree(line);
      List<Double> itl = new ArrayList<>();
      n.path("itl_ms").forEach(v -> itl.add(v.asDouble()));
      seen.add(
          new Fidelity.Seen(
              n.path("trace_id").asText(),
              n.path("ttft_ms").asDouble(),
              itl,
              n.path("e2e_ms").asDouble(),
              n.path("output_tokens").asInt()));
    }
    return seen.subList(3, seen.size());
  }
}
