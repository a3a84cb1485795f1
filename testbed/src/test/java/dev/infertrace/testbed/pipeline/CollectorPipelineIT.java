package dev.infertrace.testbed.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.testbed.TestbedMain;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.junit.PeerProcess;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.junit.TargetDir;
import dev.infertrace.testbed.peers.Peer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped collector and Jaeger configs, end to end with the real peers: the demo stack (a GPU
 * throttled mid-run, an SLO on TPOT) exports to the OCB-built collector running {@code
 * collector-config/gateway.yaml} (ports and waits set through its variables), which feeds the real
 * Jaeger running {@code jaeger/jaeger-memory.yaml}; Debian's Prometheus scrapes the ingress. The
 * demo's own trace file holds every span, sampled or not: it is the truth the test checks against.
 */
@RequiresPeers({Peer.COLLECTOR, Peer.JAEGER, Peer.PROMETHEUS})
class CollectorPipelineIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double BASELINE = 0.25;
  private static final Duration DECISION_WAIT = Duration.ofSeconds(8);
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void everyShippedCollectorConfigValidates(PeerProcesses peers) {
    for (String config : List.of("agent.yaml", "gateway.yaml")) {
      Path file = TargetDir.repoRoot().resolve("collector-config").resolve(config);
      PeerProcess validate = peers.start(Peer.COLLECTOR, List.of("validate", "--config=" + file));
      assertThat(validate.waitFor(Duration.ofSeconds(60)))
          .as("otelcol validate %s:\n%s", config, validate.logTail(20))
          .isZero();
    }
  }

  @Test
  void jaegerStartsWithEachShippedConfig(PeerProcesses peers) throws Exception {
    for (String config : List.of("jaeger-memory.yaml", "jaeger-badger.yaml")) {
      Map<String, String> env = jaegerEnv(peers);
      Path dir = peers.workDir().resolve("badger-" + config);
      Files.createDirectories(dir);
      env.put("JAEGER_BADGER_DIR", dir.toString());
      PeerProcess jaeger =
          peers.start(
              Peer.JAEGER,
              List.of(
                  "--config", TargetDir.repoRoot().resolve("jaeger").resolve(config).toString()),
              env);
      jaeger.awaitHttpOk(
          URI.create("http://" + env.get("JAEGER_HEALTH_ENDPOINT") + "/status"),
          Duration.ofSeconds(60));
      HttpResponse<String> services =
          get("http://" + env.get("JAEGER_QUERY_HTTP_ENDPOINT") + "/api/v3/services");
      assertThat(services.statusCode()).as("%s: %s", config, services.body()).isEqualTo(200);
      jaeger.close();
    }
  }

  private static Map<String, String> jaegerEnv(PeerProcesses peers) {
    Map<String, String> env = new HashMap<>();
    env.put("JAEGER_HEALTH_ENDPOINT", "127.0.0.1:" + FreePorts.next());
    env.put("JAEGER_QUERY_HTTP_ENDPOINT", "127.0.0.1:" + FreePorts.next());
    env.put("JAEGER_QUERY_GRPC_ENDPOINT", "127.0.0.1:" + FreePorts.next());
    env.put("JAEGER_OTLP_GRPC_ENDPOINT", "127.0.0.1:" + FreePorts.next());
    env.put("JAEGER_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + FreePorts.next());
    return env;
  }

  @Test
  void slowTracesAreKeptWholeHealthyOnesSampledAndMetricsLinkToThem(PeerProcesses peers)
      throws Exception {
    Map<String, String> jaegerEnv = jaegerEnv(peers);
    peers
        .start(
            Peer.JAEGER,
            List.of(
                "--config", TargetDir.repoRoot().resolve("jaeger/jaeger-memory.yaml").toString()),
            jaegerEnv)
        .awaitHttpOk(
            URI.create("http://" + jaegerEnv.get("JAEGER_HEALTH_ENDPOINT") + "/status"),
            Duration.ofSeconds(60));
    String jaegerApi = "http://" + jaegerEnv.get("JAEGER_QUERY_HTTP_ENDPOINT");

    Map<String, String> env = new HashMap<>();
    int otlp = FreePorts.next();
    int promExporter = FreePorts.next();
    int health = FreePorts.next();
    env.put("GATEWAY_OTLP_GRPC_ENDPOINT", "127.0.0.1:" + otlp);
    env.put("GATEWAY_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + FreePorts.next());
    env.put("GATEWAY_HEALTH_ENDPOINT", "127.0.0.1:" + health);
    env.put("GATEWAY_PROMETHEUS_ENDPOINT", "127.0.0.1:" + promExporter);
    env.put("GATEWAY_DECISION_WAIT", DECISION_WAIT.toSeconds() + "s");
    env.put("GATEWAY_BASELINE_PERCENT", Integer.toString((int) (BASELINE * 100)));
    env.put("GATEWAY_SPANMETRICS_FLUSH", "1s");
    env.put("GATEWAY_SELF_METRICS_LEVEL", "none");
    env.put("TRACES_OTLP_ENDPOINT", jaegerEnv.get("JAEGER_OTLP_GRPC_ENDPOINT"));
    peers
        .start(
            Peer.COLLECTOR,
            List.of("--config=" + TargetDir.repoRoot().resolve("collector-config/gateway.yaml")),
            env)
        .awaitHttpOk(URI.create("http://127.0.0.1:" + health + "/"), Duration.ofSeconds(60));

    // Prometheus (Debian 2.42) with exemplar storage, scraping the demo ingress's /metrics.
    int admin = FreePorts.next();
    int promPort = FreePorts.next();
    Path promConfig = peers.workDir().resolve("prometheus.yml");
    Files.writeString(
        promConfig,
        String.join(
            "\n",
            "global: {scrape_interval: 1s, evaluation_interval: 1s}",
            "scrape_configs:",
            "  - job_name: infertrace",
            "    static_configs: [{targets: [\"127.0.0.1:" + admin + "\"]}]",
            "  - job_name: otel-collector-spanmetrics",
            "    static_configs: [{targets: [\"127.0.0.1:" + promExporter + "\"]}]",
            ""));
    peers
        .start(
            Peer.PROMETHEUS,
            List.of(
                "--config.file=" + promConfig,
                "--storage.tsdb.path=" + peers.workDir().resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + promPort,
                "--enable-feature=exemplar-storage"))
        .awaitHttpOk(
            URI.create("http://127.0.0.1:" + promPort + "/-/ready"), Duration.ofSeconds(60));
    String prom = "http://127.0.0.1:" + promPort;

    // The demo: 12 s, a GPU throttled from 4 s to 8 s, TPOT objective 10 ms.
    Path traceFile = peers.workDir().resolve("demo.jsonl");
    StringWriter out = new StringWriter();
    var cli = TestbedMain.commandLine();
    cli.setOut(new PrintWriter(out));
    java.util.concurrent.CompletableFuture<Integer> run =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                cli.execute(
                    "demo",
                    "--duration",
                    "12s",
                    "--concurrency",
                    "10",
                    "--otlp-endpoint",
                    "http://127.0.0.1:" + otlp,
                    "--jaeger",
                    jaegerApi,
                    "--admin",
                    "127.0.0.1:" + admin,
                    "--trace-file",
                    traceFile.toString()));
    // The span_metrics connector attaches exemplars to the points of the flush after a span
    // arrived, so they are read while the load runs.
    Set<String> exemplarTraces = new HashSet<>();
    Pattern exemplar = Pattern.compile("# \\{[^}]*trace_id=\"([0-9a-f]{32})\"");
    while (!run.isDone()) {
      Thread.sleep(500);
      Matcher m = exemplar.matcher(collectorMetrics(promExporter));
      while (m.find()) {
        exemplarTraces.add(m.group(1));
      }
    }
    int exit = run.get();
    String report = out.toString();
    assertThat(exit).as(report).isZero();
    long demoEnd = System.currentTimeMillis();
    assertThat(report).contains(jaegerApi + "/trace/");

    // The truth: every trace of the run, from the demo's own file.
    Map<String, List<JsonNode>> truth = traces(traceFile);
    Set<String> breaching = new HashSet<>();
    Set<String> healthy = new HashSet<>();
    for (var e : truth.entrySet()) {
      JsonNode root = ingressServer(e.getValue());
      if (root == null) {
        continue;
      }
      if (keepWorthy(e.getValue())) {
        breaching.add(e.getKey());
      } else {
        healthy.add(e.getKey());
      }
    }
    assertThat(breaching).as("the throttled GPU makes SLO misses").hasSizeGreaterThan(3);
    assertThat(healthy).as("most requests are fine").hasSizeGreaterThan(40);

    // (a) Every SLO-breaching trace is in Jaeger, whole: every span the stack made for it.
    Thread.sleep(DECISION_WAIT.toMillis() + 4000);
    for (String id : breaching) {
      List<JsonNode> stored = awaitJaegerTrace(jaegerApi, id, truth.get(id).size());
      Set<String> names = new HashSet<>();
      stored.forEach(s -> names.add(s.path("name").asText()));
      assertThat(names)
          .as("trace %s in Jaeger", id)
          .contains(
              "envoy.service.ext_proc.v3.ExternalProcessor/Process", "llm.route", "llm.decode")
          .anySatisfy(n -> assertThat(n).startsWith("chat "));
      assertThat(stored).as("trace %s: all its spans", id).hasSize(truth.get(id).size());
    }

    // The search explore.md documents finds exactly the SLO misses.
    Set<String> missed = new HashSet<>();
    for (var e : truth.entrySet()) {
      JsonNode root = ingressServer(e.getValue());
      if (root != null && "false".equals(String.valueOf(bool(attributes(root), "llm.slo.met")))) {
        missed.add(e.getKey());
      }
    }
    JsonNode found =
        JSON.readTree(
            get(jaegerApi
                    + "/api/traces?service=infertrace-ingress&lookback=1h&limit=1000&tags="
                    + enc("{\"llm.slo.met\":\"false\"}"))
                .body());
    Set<String> foundIds = new HashSet<>();
    found.path("data").forEach(t -> foundIds.add(t.path("traceID").asText()));
    assertThat(foundIds).as("Jaeger search llm.slo.met=false").isEqualTo(missed);

    // (b) About the configured share of the healthy traces.
    int kept = 0;
    for (String id : healthy) {
      if (jaegerTrace(jaegerApi, id) != null) {
        kept++;
      }
    }
    double share = (double) kept / healthy.size();
    System.out.printf(
        "pipeline: %d traces, %d kept-worthy (all in Jaeger), %d healthy of which %d kept (%.1f%%)%n",
        truth.size(), breaching.size(), healthy.size(), kept, 100 * share);
    double sd = Math.sqrt(BASELINE * (1 - BASELINE) / healthy.size());
    assertThat(share)
        .as("kept %d of %d healthy traces (baseline %.0f%%)", kept, healthy.size(), BASELINE * 100)
        .isBetween(BASELINE - 4 * sd, BASELINE + 4 * sd);

    // (c) Span metrics from the unsampled stream, with exemplars; those of slow traces open.
    String page = collectorMetrics(promExporter);
    assertThat(page).contains("traces_span_metrics_duration_seconds_bucket");
    Matcher count =
        Pattern.compile(
                "traces_span_metrics_calls_total\\{[^}]*span_name=\"llm\\.route\"[^}]*\\} (\\d+)")
            .matcher(page);
    long routes = 0;
    while (count.find()) {
      routes += Long.parseLong(count.group(1));
    }
    assertThat(routes)
        .as("span metrics count every route span, sampled or not")
        .isEqualTo(
            truth.values().stream()
                .flatMap(List::stream)
                .filter(s -> s.path("name").asText().equals("llm.route"))
                .count());
    assertThat(exemplarTraces).isNotEmpty();
    List<String> slowExemplars = exemplarTraces.stream().filter(breaching::contains).toList();
    assertThat(slowExemplars).as("exemplars pointing at SLO-missing traces").isNotEmpty();
    for (String id : slowExemplars) {
      assertThat(jaegerTrace(jaegerApi, id)).as("exemplar trace %s in Jaeger", id).isNotNull();
    }

    // (e) Prometheus scraped the ingress: p95 TTFT has a value, exemplars are stored, and every
    // query of the shipped dashboard parses and runs.
    String at = Double.toString((demoEnd - 2000) / 1000.0);
    JsonNode p95 =
        promQuery(
            prom,
            "histogram_quantile(0.95, sum by (le, model) (rate(gen_ai_server_time_to_first_token_seconds_bucket[30s])))",
            at);
    assertThat(p95.at("/data/result")).as(p95.toString()).isNotEmpty();
    double value = p95.at("/data/result/0/value/1").asDouble(Double.NaN);
    assertThat(value).as("p95 TTFT (s)").isPositive().isLessThan(30);
    JsonNode exemplars =
        JSON.readTree(
            get(prom
                    + "/api/v1/query_exemplars?query="
                    + enc("gen_ai_server_time_to_first_token_seconds_bucket")
                    + "&start="
                    + ((demoEnd - 60_000) / 1000)
                    + "&end="
                    + (demoEnd / 1000 + 1))
                .body());
    assertThat(exemplars.at("/data").toString()).contains("trace_id");
    JsonNode spanExemplars =
        JSON.readTree(
            get(prom
                    + "/api/v1/query_exemplars?query="
                    + enc("traces_span_metrics_duration_seconds_bucket")
                    + "&start="
                    + ((demoEnd - 60_000) / 1000)
                    + "&end="
                    + (demoEnd / 1000 + 1))
                .body());
    assertThat(spanExemplars.at("/data").toString())
        .as("Prometheus stored the collector's span-metric exemplars")
        .contains("trace_id");
    JsonNode dashboard =
        JSON.readTree(
            Files.readString(
                TargetDir.repoRoot().resolve("jaeger/grafana/dashboards/infertrace.json")));
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        String expr =
            target.path("expr").asText().replace("$__rate_interval", "30s").replace("$model", ".*");
        JsonNode r = promQuery(prom, expr, at);
        assertThat(r.path("status").asText())
            .as("panel '%s': %s → %s", panel.path("title").asText(), expr, r)
            .isEqualTo("success");
      }
    }
  }

  private String collectorMetrics(int port) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0")
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Whether the gateway's tail sampling must keep this trace (the policies in gateway.yaml). */
  private static boolean keepWorthy(List<JsonNode> spans) {
    for (JsonNode s : spans) {
      if (s.path("status").path("code").asInt() == 2) {
        return true;
      }
      Map<String, JsonNode> a = attributes(s);
      if (a.containsKey("llm.slo.met") && !a.get("llm.slo.met").path("boolValue").asBoolean(true)) {
        return true;
      }
      JsonNode ttft = a.get("gen_ai.latency.time_to_first_token");
      if (ttft != null && ttft.path("doubleValue").asDouble() > 2.0) {
        return true;
      }
      for (String stale : List.of("dcgm.stale", "vllm.stale")) {
        if (a.containsKey(stale) && a.get(stale).path("boolValue").asBoolean()) {
          return true;
        }
      }
      JsonNode xid = a.get("dcgm.xid_errors");
      if (xid != null
          && (xid.path("doubleValue").asDouble() > 0 || xid.path("intValue").asLong() > 0)) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode ingressServer(List<JsonNode> spans) {
    for (JsonNode s : spans) {
      if (s.path("kind").asInt() == 2 && "ingress".equals(text(attributes(s), "infertrace.role"))) {
        return s;
      }
    }
    return null;
  }

  private static Boolean bool(Map<String, JsonNode> a, String key) {
    JsonNode v = a.get(key);
    return v == null || !v.has("boolValue") ? null : v.get("boolValue").asBoolean();
  }

  private static String text(Map<String, JsonNode> a, String key) {
    JsonNode v = a.get(key);
    return v == null ? null : v.path("stringValue").asText();
  }

  private static Map<String, JsonNode> attributes(JsonNode span) {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode a : span.path("attributes")) {
      out.put(a.path("key").asText(), a.path("value"));
    }
    return out;
  }

  private static Map<String, List<JsonNode>> traces(Path file) throws Exception {
    Map<String, List<JsonNode>> out = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) {
        continue;
      }
      for (JsonNode rs : JSON.readTree(line).path("resourceSpans")) {
        for (JsonNode ss : rs.path("scopeSpans")) {
          for (JsonNode s : ss.path("spans")) {
            out.computeIfAbsent(s.path("traceId").asText(), k -> new ArrayList<>()).add(s);
          }
        }
      }
    }
    return out;
  }

  /** The spans Jaeger holds for {@code traceId}, or null when it has none. */
  private List<JsonNode> jaegerTrace(String api, String traceId) throws Exception {
    HttpResponse<String> r = get(api + "/api/v3/traces/" + traceId);
    if (r.statusCode() != 200) {
      return null;
    }
    List<JsonNode> spans = new ArrayList<>();
    for (JsonNode rs : JSON.readTree(r.body()).at("/result/resourceSpans")) {
      for (JsonNode ss : rs.path("scopeSpans")) {
        ss.path("spans").forEach(spans::add);
      }
    }
    return spans.isEmpty() ? null : spans;
  }

  private List<JsonNode> awaitJaegerTrace(String api, String traceId, int spans) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    List<JsonNode> found = null;
    while (System.nanoTime() < deadline) {
      found = jaegerTrace(api, traceId);
      if (found != null && found.size() >= spans) {
        return found;
      }
      Thread.sleep(200);
    }
    assertThat(found).as("trace %s in Jaeger", traceId).isNotNull();
    return found;
  }

  private JsonNode promQuery(String prom, String expr, String time) throws Exception {
    return JSON.readTree(get(prom + "/api/v1/query?query=" + enc(expr) + "&time=" + time).body());
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
