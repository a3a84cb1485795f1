package dev.infertrace.testbed.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.infertrace.testbed.junit.TargetDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana, Tempo and compose files that cannot run here (no Docker, no Tempo build) checked
 * against what Grafana's provisioning and Tempo's config expect. (The collector, Jaeger and
 * Prometheus files are run for real by {@link CollectorPipelineIT}, and every dashboard query is
 * executed by Prometheus there.)
 */
class ShippedConfigsTest {
  private static final Path ROOT = TargetDir.repoRoot().resolve("jaeger");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> PANEL_TYPES =
      Set.of("timeseries", "stat", "gauge", "table", "barchart", "heatmap", "text", "row");

  private static JsonNode yaml(String path) throws Exception {
    return YAML.readTree(Files.readString(ROOT.resolve(path)));
  }

  @Test
  void datasourcesAreProvisionableAndLinkMetricsAndTraces() throws Exception {
    JsonNode file = yaml("grafana/provisioning/datasources/infertrace.yaml");
    assertThat(file.path("apiVersion").asInt()).isEqualTo(1);
    Set<String> uids = new HashSet<>();
    for (JsonNode ds : file.path("datasources")) {
      for (String key : List.of("name", "uid", "type", "access", "url")) {
        assertThat(ds.path(key).asText()).as("datasource field %s in %s", key, ds).isNotBlank();
      }
      assertThat(ds.path("access").asText()).isIn("proxy", "direct");
      uids.add(ds.path("uid").asText());
    }
    assertThat(uids).containsExactlyInAnyOrder("prometheus", "jaeger", "tempo");
    JsonNode prometheus = find(file, "prometheus");
    assertThat(prometheus.at("/jsonData/exemplarTraceIdDestinations"))
        .isNotEmpty()
        .allSatisfy(
            d -> {
              assertThat(d.path("name").asText()).isEqualTo("trace_id"); // our exemplar label
              assertThat(uids).contains(d.path("datasourceUid").asText());
            });
    for (String traces : List.of("jaeger", "tempo")) {
      JsonNode t2m = find(file, traces).at("/jsonData/tracesToMetrics");
      assertThat(t2m.path("datasourceUid").asText()).isEqualTo("prometheus");
      assertThat(t2m.path("queries")).isNotEmpty();
      for (JsonNode q : t2m.path("queries")) {
        // In provisioning files a literal $ is written $$ (Grafana expands env variables).
        assertThat(q.path("query").asText()).contains("$$__tags").doesNotContain("${");
      }
    }
  }

  private static JsonNode find(JsonNode file, String uid) {
    for (JsonNode ds : file.path("datasources")) {
      if (ds.path("uid").asText().equals(uid)) {
        return ds;
      }
    }
    throw new AssertionError("no datasource " + uid);
  }

  @Test
  void theDashboardIsAValidGrafanaDashboardOverTheProvisionedDatasources() throws Exception {
    JsonNode provider = yaml("grafana/provisioning/dashboards/infertrace.yaml");
    assertThat(provider.path("apiVersion").asInt()).isEqualTo(1);
    JsonNode p = provider.path("providers").get(0);
    assertThat(p.path("type").asText()).isEqualTo("file");
    String mountedAt = p.at("/options/path").asText();
    assertThat(Files.readString(ROOT.resolve("compose.yaml")))
        .as("compose mounts the dashboards where the provider reads them")
        .contains("./grafana/dashboards:" + mountedAt);

    JsonNode d =
        JSON.readTree(Files.readString(ROOT.resolve("grafana/dashboards/infertrace.json")));
    assertThat(d.path("uid").asText()).matches("[a-zA-Z0-9_-]{1,40}");
    assertThat(d.path("title").asText()).isNotBlank();
    assertThat(d.path("schemaVersion").isInt()).isTrue();
    assertThat(d.path("id").isMissingNode() || d.path("id").isNull())
        .as("no numeric id: Grafana assigns it on import")
        .isTrue();
    Set<Integer> ids = new HashSet<>();
    Set<String> titles = new HashSet<>();
    for (JsonNode panel : d.path("panels")) {
      assertThat(ids.add(panel.path("id").asInt())).as("unique panel id %s", panel).isTrue();
      titles.add(panel.path("title").asText());
      assertThat(panel.path("type").asText()).isIn(PANEL_TYPES);
      JsonNode g = panel.path("gridPos");
      for (String k : List.of("h", "w", "x", "y")) {
        assertThat(g.path(k).isInt()).as("gridPos.%s of %s", k, panel.path("title")).isTrue();
      }
      assertThat(g.path("x").asInt() + g.path("w").asInt()).isLessThanOrEqualTo(24);
      assertThat(panel.at("/datasource/uid").asText()).isEqualTo("prometheus");
      assertThat(panel.path("targets")).isNotEmpty();
      Set<String> refIds = new HashSet<>();
      for (JsonNode t : panel.path("targets")) {
        assertThat(refIds.add(t.path("refId").asText())).isTrue();
        assertThat(t.path("expr").asText()).isNotBlank();
        assertThat(t.at("/datasource/uid").asText()).isEqualTo("prometheus");
      }
    }
    // What the issue asks the dashboard to show.
    String all = d.toString();
    assertThat(all)
        .contains(
            "gen_ai_server_time_to_first_token_seconds_bucket",
            "gen_ai_server_time_per_output_token_seconds_bucket",
            "infertrace_inter_token_latency_seconds_bucket",
            "infertrace_slo_total",
            "llm.queue|llm.prefill|llm.decode",
            "vllm:num_requests_waiting",
            "vllm:kv_cache_usage_perc",
            "DCGM_FI_DEV_GPU_UTIL",
            "DCGM_FI_DEV_SM_CLOCK",
            "DCGM_FI_DEV_POWER_USAGE",
            "DCGM_FI_DEV_GPU_TEMP",
            "DCGM_FI_DEV_XID_ERRORS",
            "llm_route_endpoint");
    assertThat(d.path("panels"))
        .filteredOn(x -> x.path("title").asText().startsWith("Time to first token"))
        .allSatisfy(x -> assertThat(x.at("/targets/0/exemplar").asBoolean()).isTrue());
    // Template variables used are defined.
    Set<String> vars = new HashSet<>();
    d.at("/templating/list").forEach(v -> vars.add(v.path("name").asText()));
    Matcher used = Pattern.compile("\\$([a-z_]+)").matcher(all);
    while (used.find()) {
      if (!used.group(1).startsWith("__")) {
        assertThat(vars).as("template variable $%s", used.group(1)).contains(used.group(1));
      }
    }
  }

  @Test
  void tempoConfigHasTheReceiversStorageAndMetricsGenerator() throws Exception {
    JsonNode t = yaml("tempo.yaml");
    assertThat(t.at("/server/http_listen_port").asInt()).isEqualTo(3200);
    assertThat(t.at("/distributor/receivers/otlp/protocols/grpc/endpoint").asText())
        .endsWith(":4317");
    assertThat(t.at("/distributor/receivers/otlp/protocols/http/endpoint").asText())
        .endsWith(":4318");
    assertThat(t.at("/storage/trace/backend").asText()).isEqualTo("local");
    assertThat(t.at("/metrics_generator/storage/remote_write/0/send_exemplars").asBoolean())
        .isTrue();
    assertThat(t.at("/metrics_generator/storage/remote_write/0/url").asText())
        .endsWith("/api/v1/write");
    List<String> processors =
        YAML.convertValue(
            t.at("/overrides/defaults/metrics_generator/processors"),
            YAML.getTypeFactory().constructCollectionType(List.class, String.class));
    assertThat(processors).contains("span-metrics", "service-graphs");
  }

  @Test
  void composeMountsOnlyFilesThatExist() throws Exception {
    JsonNode compose = yaml("compose.yaml");
    Set<String> services = new HashSet<>();
    compose.path("services").fieldNames().forEachRemaining(services::add);
    assertThat(services)
        .containsExactlyInAnyOrder("demo", "collector", "jaeger", "tempo", "prometheus", "grafana");
    for (JsonNode svc : compose.path("services")) {
      for (JsonNode v : svc.path("volumes")) {
        String host = v.asText().split(":")[0];
        if (host.startsWith(".")) {
          assertThat(ROOT.resolve(host).normalize()).as("mounted %s", host).exists();
        }
      }
    }
    assertThat(compose.at("/services/prometheus/command").toString())
        .contains("--enable-feature=exemplar-storage");
  }
}
