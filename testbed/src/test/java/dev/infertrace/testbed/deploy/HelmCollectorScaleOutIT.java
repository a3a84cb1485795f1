package dev.infertrace.testbed.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.infertrace.testbed.junit.PeerProcess;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.junit.TargetDir;
import dev.infertrace.testbed.peers.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart's scale-out switch ({@code collector.gateway.loadBalancing.enabled}): the agents run
 * agent.yaml + agent-loadbalancing-dns.yaml against a headless Service of the gateway replicas, and
 * the rendered agent config (both files, the rendered environment) passes {@code otelcol validate}.
 */
@RequiresPeers({Peer.HELM, Peer.COLLECTOR})
class HelmCollectorScaleOutIT {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void loadBalancingRendersAHeadlessGatewayServiceAndAnAgentConfigThatValidates(PeerProcesses peers)
      throws Exception {
    Map<String, JsonNode> off = render(peers, List.of());
    assertThat(off).doesNotContainKey("Service/rel-infertrace-collector-gateway-headless");
    assertThat(off.get("ConfigMap/rel-infertrace-collector-agent").path("data").has("agent.yaml"))
        .isTrue();
    assertThat(
            off.get("ConfigMap/rel-infertrace-collector-agent")
                .path("data")
                .has("agent-loadbalancing.yaml"))
        .isFalse();

    Map<String, JsonNode> on =
        render(
            peers,
            List.of(
                "--set",
                "collector.gateway.loadBalancing.enabled=true",
                "--set",
                "collector.gateway.replicas=3"));
    JsonNode gateway = on.get("Deployment/rel-infertrace-collector-gateway");
    assertThat(gateway.at("/spec/replicas").asInt()).isEqualTo(3);
    JsonNode headless = on.get("Service/rel-infertrace-collector-gateway-headless");
    assertThat(headless).as("headless Service rendered").isNotNull();
    assertThat(headless.at("/spec/clusterIP").asText()).isEqualTo("None");
    assertThat(headless.at("/spec/selector")).isEqualTo(gateway.at("/spec/selector/matchLabels"));
    assertThat(headless.at("/spec/ports/0/port").asInt()).isEqualTo(4317);

    JsonNode agent = on.get("DaemonSet/rel-infertrace-collector-agent");
    JsonNode container = agent.at("/spec/template/spec/containers/0");
    List<String> args = new ArrayList<>();
    container.path("args").forEach(a -> args.add(a.asText()));
    assertThat(args)
        .containsExactly(
            "--config=/etc/otelcol/agent.yaml", "--config=/etc/otelcol/agent-loadbalancing.yaml");
    Map<String, String> env = new HashMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
    assertThat(env)
        .containsEntry(
            "GATEWAY_DNS_HOSTNAME", "rel-infertrace-collector-gateway-headless.infertrace.svc");
    assertThat(agent.at("/spec/template/metadata/annotations/checksum~1config").asText())
        .isNotEqualTo(
            off.get("DaemonSet/rel-infertrace-collector-agent")
                .at("/spec/template/metadata/annotations/checksum~1config")
                .asText());

    // The rendered ConfigMap is the repository's files, and otelcol accepts it as mounted.
    JsonNode data = on.get("ConfigMap/rel-infertrace-collector-agent").path("data");
    Path root = TargetDir.repoRoot();
    assertThat(data.path("agent-loadbalancing.yaml").asText())
        .isEqualToIgnoringWhitespace(
            Files.readString(root.resolve("collector-config/agent-loadbalancing-dns.yaml")));
    Path dir = Files.createTempDirectory(peers.workDir(), "agent");
    List<String> validate = new ArrayList<>(List.of("validate"));
    for (String file : List.of("agent.yaml", "agent-loadbalancing.yaml")) {
      Files.writeString(dir.resolve(file), data.path(file).asText());
      validate.add("--config=" + dir.resolve(file));
    }
    PeerProcess check = peers.start(Peer.COLLECTOR, validate, env);
    assertThat(check.waitFor(Duration.ofSeconds(60))).as(check.logTail(20)).isZero();
  }

  private static Map<String, JsonNode> render(PeerProcesses peers, List<String> values)
      throws Exception {
    Path out = Files.createTempDirectory(peers.workDir(), "rendered");
    List<String> args =
        new ArrayList<>(
            List.of(
                "template",
                "rel",
                TargetDir.repoRoot().resolve("deploy/helm/infertrace").toString(),
                "--namespace",
                "infertrace",
                "--kube-version",
                "1.33.0",
                "--output-dir",
                out.toString()));
    args.addAll(values);
    PeerProcess template = peers.start(Peer.HELM, args);
    assertThat(template.waitFor(Duration.ofSeconds(120))).as(template.logTail(30)).isZero();
    Map<String, JsonNode> objects = new HashMap<>();
    try (Stream<Path> files = Files.walk(out)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
          for (JsonNode n : YAML.readValues(parser, JsonNode.class).readAll()) {
            if (n != null && n.has("kind")) {
              objects.put(n.path("kind").asText() + "/" + n.at("/metadata/name").asText(), n);
            }
          }
        }
      }
    }
    return objects;
  }
}
