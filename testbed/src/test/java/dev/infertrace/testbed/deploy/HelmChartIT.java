package dev.infertrace.testbed.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.infertrace.proxy.ProxyMain;
import dev.infertrace.proxy.inject.AdmissionHandler;
import dev.infertrace.proxy.inject.InjectionSettings;
import dev.infertrace.proxy.inject.SidecarInjector;
import dev.infertrace.proxy.inject.WebhookServer;
import dev.infertrace.testbed.junit.PeerProcess;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.junit.TargetDir;
import dev.infertrace.testbed.peers.Peer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * The chart {@code deploy/helm/infertrace} with the real Helm: {@code helm lint --strict} passes,
 * {@code helm template} renders the objects the values ask for, the rendered command lines parse
 * with the real commands, and the generated webhook certificate serves TLS that the rendered
 * caBundle trusts.
 */
@RequiresPeers(Peer.HELM)
class HelmChartIT {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final String NAMESPACE = "infertrace";
  // Helm built from source without release ldflags assumes Kubernetes v1.20; say which we target.
  private static final String KUBE_VERSION = "1.33.0";

  private static Path chart() {
    return TargetDir.repoRoot().resolve("deploy/helm/infertrace");
  }

  @Test
  void theChartLintsCleanly(PeerProcesses peers) throws IOException {
    PeerProcess lint =
        peers.start(
            Peer.HELM,
            List.of("lint", "--strict", "--kube-version", KUBE_VERSION, chart().toString()));
    assertThat(lint.waitFor(Duration.ofSeconds(120))).as(lint.logTail(30)).isZero();
    assertThat(Files.readString(lint.log())).contains("1 chart(s) linted, 0 chart(s) failed");
  }

  @Test
  void theDefaultsRenderTheIngressTheWebhookTheCollectorTiersAndTheDashboard(PeerProcesses peers)
      throws Exception {
    List<JsonNode> objects = render(peers, List.of());

    assertThat(names(objects))
        .containsExactlyInAnyOrder(
            "Deployment/rel-infertrace-ingress",
            "Service/rel-infertrace-ingress",
            "Secret/rel-infertrace-webhook-tls",
            "Deployment/rel-infertrace-webhook",
            "Service/rel-infertrace-webhook",
            "MutatingWebhookConfiguration/rel-infertrace-webhook",
            "ConfigMap/rel-infertrace-collector-agent",
            "ServiceAccount/rel-infertrace-collector-agent",
            "ClusterRole/rel-infertrace-collector-agent",
            "ClusterRoleBinding/rel-infertrace-collector-agent",
            "DaemonSet/rel-infertrace-collector-agent",
            "ConfigMap/rel-infertrace-collector-gateway",
            "Deployment/rel-infertrace-collector-gateway",
            "Service/rel-infertrace-collector-gateway",
            "ConfigMap/rel-infertrace-grafana-dashboard");

    MutatingWebhookConfiguration config =
        YAML.treeToValue(
            find(objects, "MutatingWebhookConfiguration/rel-infertrace-webhook"),
            MutatingWebhookConfiguration.class);
    assertThat(config.getWebhooks()).hasSize(2);
    for (MutatingWebhook webhook : config.getWebhooks()) {
      assertThat(webhook.getFailurePolicy()).isEqualTo("Ignore");
      assertThat(webhook.getSideEffects()).isEqualTo("None");
      assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
      assertThat(webhook.getReinvocationPolicy()).isEqualTo("IfNeeded");
      assertThat(webhook.getClientConfig().getService().getName())
          .isEqualTo("rel-infertrace-webhook");
      assertThat(webhook.getClientConfig().getService().getNamespace()).isEqualTo(NAMESPACE);
      assertThat(webhook.getRules().get(0).getResources()).containsExactly("pods");
      assertThat(webhook.getRules().get(0).getOperations()).containsExactly("CREATE");
      var selector = webhook.getNamespaceSelector().getMatchExpressions();
      assertThat(selector.get(1).getKey()).isEqualTo("kubernetes.io/metadata.name");
      assertThat(selector.get(1).getOperator()).isEqualTo("NotIn");
      assertThat(selector.get(1).getValues()).containsExactly("kube-system", NAMESPACE);
    }
    assertThat(config.getWebhooks().get(0).getClientConfig().getService().getPath())
        .isEqualTo(WebhookServer.NAMESPACE_ENABLED_PATH);
    assertThat(config.getWebhooks().get(0).getNamespaceSelector().getMatchExpressions().get(0))
        .satisfies(
            e -> {
              assertThat(e.getKey()).isEqualTo("infertrace.io/injection");
              assertThat(e.getOperator()).isEqualTo("In");
              assertThat(e.getValues()).containsExactly("enabled");
            });
    assertThat(config.getWebhooks().get(1).getClientConfig().getService().getPath())
        .isEqualTo(WebhookServer.PATH);
    assertThat(
            config
                .getWebhooks()
                .get(1)
                .getNamespaceSelector()
                .getMatchExpressions()
                .get(0)
                .getOperator())
        .isEqualTo("NotIn");

    // The command lines the chart writes are accepted by the real commands.
    Container webhook = container(objects, "Deployment/rel-infertrace-webhook");
    ProxyMain.commandLine().parseArgs(webhook.getArgs().toArray(String[]::new));
    assertThat(webhook.getArgs())
        .contains(
            "--sidecar-image=infertrace/infertrace:0.1.0",
            "--upstream-port=8000",
            "--sidecar-port=8081",
            "--otlp-endpoint=http://$(HOST_IP):4318");
    Container ingress = container(objects, "Deployment/rel-infertrace-ingress");
    ProxyMain.commandLine().parseArgs(ingress.getArgs().toArray(String[]::new));
    assertThat(ingress.getArgs()).containsSequence("--upstream", "http://inference-gateway:80");
    assertThat(find(objects, "Deployment/rel-infertrace-ingress").at("/spec/replicas").asInt())
        .isEqualTo(2);
    assertThat(container(objects, "DaemonSet/rel-infertrace-collector-agent").getPorts())
        .anySatisfy(p -> assertThat(p.getHostPort()).isEqualTo(4318));

    // The collector configs and the dashboard are the repository's files, unchanged.
    Path root = TargetDir.repoRoot();
    assertThat(data(objects, "ConfigMap/rel-infertrace-collector-agent", "agent.yaml"))
        .isEqualToIgnoringWhitespace(Files.readString(root.resolve("collector-config/agent.yaml")));
    assertThat(data(objects, "ConfigMap/rel-infertrace-collector-gateway", "gateway.yaml"))
        .isEqualToIgnoringWhitespace(
            Files.readString(root.resolve("collector-config/gateway.yaml")));
    assertThat(data(objects, "ConfigMap/rel-infertrace-grafana-dashboard", "infertrace.json"))
        .isEqualToIgnoringWhitespace(
            Files.readString(root.resolve("jaeger/grafana/dashboards/infertrace.json")));
    assertThat(
            find(objects, "ConfigMap/rel-infertrace-grafana-dashboard")
                .at("/metadata/labels/grafana_dashboard")
                .asText())
        .isEqualTo("1");
  }

  @Test
  void valuesTurnPartsOnAndOff(PeerProcesses peers) throws Exception {
    List<JsonNode> objects =
        render(
            peers,
            List.of(
                "--set", "jaeger.enabled=true",
                "--set", "ingress.replicas=3",
                "--set", "ingress.epp=epp.llm.svc:9002",
                "--set", "webhook.tls.secretName=from-cert-manager",
                "--set", "webhook.tls.caBundle=Q0E=",
                "--set", "webhook.excludeNamespaces={batch}",
                "--set", "grafana.dashboard.enabled=false"));

    assertThat(names(objects))
        .contains("Deployment/rel-infertrace-jaeger", "Service/rel-infertrace-jaeger")
        .doesNotContain(
            "Secret/rel-infertrace-webhook-tls", "ConfigMap/rel-infertrace-grafana-dashboard");
    assertThat(find(objects, "Deployment/rel-infertrace-ingress").at("/spec/replicas").asInt())
        .isEqualTo(3);
    assertThat(container(objects, "Deployment/rel-infertrace-ingress").getArgs())
        .containsSequence("--epp", "epp.llm.svc:9002")
        .doesNotContain("--upstream");
    assertThat(container(objects, "Deployment/rel-infertrace-collector-gateway").getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("TRACES_OTLP_ENDPOINT");
              assertThat(e.getValue()).isEqualTo("rel-infertrace-jaeger:4317");
            });
    JsonNode webhook = find(objects, "MutatingWebhookConfiguration/rel-infertrace-webhook");
    assertThat(webhook.at("/webhooks/0/clientConfig/caBundle").asText()).isEqualTo("Q0E=");
    assertThat(webhook.at("/webhooks/1/namespaceSelector/matchExpressions/1/values"))
        .extracting(JsonNode::asText)
        .containsExactly("kube-system", NAMESPACE, "batch");
    assertThat(container(objects, "Deployment/rel-infertrace-webhook").getArgs())
        .contains("--exclude-namespace=batch");
    assertThat(
            find(objects, "Deployment/rel-infertrace-webhook")
                .at("/spec/template/spec/volumes/0/secret/secretName")
                .asText())
        .isEqualTo("from-cert-manager");

    assertThat(names(render(peers, List.of("--set", "webhook.enabled=false"))))
        .noneMatch(n -> n.contains("webhook"));
  }

  @Test
  void theGeneratedCertificateServesTheWebhookThatTheCaBundleTrusts(PeerProcesses peers)
      throws Exception {
    List<JsonNode> objects = render(peers, List.of());
    JsonNode secret = find(objects, "Secret/rel-infertrace-webhook-tls");
    Path dir = peers.workDir().resolve("tls");
    Files.createDirectories(dir);
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    Files.write(cert, Base64.getDecoder().decode(secret.at("/data/tls.crt").asText()));
    Files.write(key, Base64.getDecoder().decode(secret.at("/data/tls.key").asText()));
    byte[] caBundle =
        Base64.getDecoder()
            .decode(
                find(objects, "MutatingWebhookConfiguration/rel-infertrace-webhook")
                    .at("/webhooks/0/clientConfig/caBundle")
                    .asText());

    AdmissionHandler handler =
        new AdmissionHandler(
            new SidecarInjector(
                new InjectionSettings(
                    "infertrace/infertrace:0.1.0",
                    8000,
                    8081,
                    9464,
                    4317,
                    "",
                    9400,
                    "250m",
                    "256Mi",
                    "512Mi",
                    Set.of("kube-system"))));
    try (WebhookServer server =
        WebhookServer.start(new InetSocketAddress("127.0.0.1", 0), cert, key, handler)) {
      SSLContext tls = trusting(caBundle);
      try (SSLSocket socket =
          (SSLSocket)
              tls.getSocketFactory().createSocket("127.0.0.1", server.address().getPort())) {
        socket.setSoTimeout(30_000);
        socket.startHandshake(); // the chain is checked against the caBundle here
        X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
        List<String> dnsNames = new ArrayList<>();
        served.getSubjectAlternativeNames().forEach(san -> dnsNames.add(san.get(1).toString()));
        // The name kube-apiserver calls the Service by.
        assertThat(dnsNames).contains("rel-infertrace-webhook." + NAMESPACE + ".svc");
        OutputStream out = socket.getOutputStream();
        out.write(
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String response =
            new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(response).startsWith("HTTP/1.1 200 OK");
      }
    }
  }

  private static SSLContext trusting(byte[] caPem) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = new ByteArrayInputStream(caPem)) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  /** The objects {@code helm template} renders, read from its --output-dir (stderr stays apart). */
  private static List<JsonNode> render(PeerProcesses peers, List<String> values)
      throws IOException {
    Path out = Files.createTempDirectory(peers.workDir(), "rendered");
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "template",
            "rel",
            chart().toString(),
            "--namespace",
            NAMESPACE,
            "--kube-version",
            KUBE_VERSION,
            "--output-dir",
            out.toString()));
    args.addAll(values);
    PeerProcess template = peers.start(Peer.HELM, args);
    assertThat(template.waitFor(Duration.ofSeconds(120))).as(template.logTail(30)).isZero();
    List<JsonNode> objects = new ArrayList<>();
    try (Stream<Path> files = Files.walk(out)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
          YAML.readValues(parser, JsonNode.class)
              .readAll()
              .forEach(
                  n -> {
                    if (n != null && n.has("kind")) {
                      objects.add(n);
                    }
                  });
        }
      }
    }
    return objects;
  }

  private static List<String> names(List<JsonNode> objects) {
    return objects.stream()
        .map(o -> o.path("kind").asText() + "/" + o.at("/metadata/name").asText())
        .toList();
  }

  private static JsonNode find(List<JsonNode> objects, String name) {
    return objects.stream()
        .filter(o -> (o.path("kind").asText() + "/" + o.at("/metadata/name").asText()).equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not rendered: " + names(objects)));
  }

  private static Container container(List<JsonNode> objects, String name) throws IOException {
    return YAML.treeToValue(
        find(objects, name).at("/spec/template/spec/containers/0"), Container.class);
  }

  private static String data(List<JsonNode> objects, String name, String key) {
    return find(objects, name).path("data").path(key).asText();
  }
}
