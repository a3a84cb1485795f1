package dev.infertrace.testbed.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infertrace.testbed.junit.KubeApiServer;
import dev.infertrace.testbed.junit.PeerProcess;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.junit.TargetDir;
import dev.infertrace.testbed.peers.Peer;
import dev.infertrace.testbed.peers.PeerHome;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code helm install} of {@code deploy/helm/infertrace} into a real kube-apiserver creates what
 * the values say (read back through the API), {@code helm upgrade} keeps the generated webhook CA,
 * and the chart's {@code Instrumentation} is accepted by the API server with the OpenTelemetry
 * Operator's own CRD installed (server-side validation of its schema).
 */
@RequiresPeers({Peer.HELM, Peer.ETCD, Peer.KUBE_APISERVER, Peer.OTEL_OPERATOR_CRDS})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmInstallIT {
  private static final String NAMESPACE = "infertrace";
  private static final ResourceDefinitionContext INSTRUMENTATION =
      new ResourceDefinitionContext.Builder()
          .withGroup("opentelemetry.io")
          .withVersion("v1alpha1")
          .withKind("Instrumentation")
          .withPlural("instrumentations")
          .withNamespaced(true)
          .build();

  private static KubeApiServer kube;
  private static KubernetesClient client;

  @BeforeAll
  static void startTheControlPlaneWithTheOperatorsCrd() throws Exception {
    kube = KubeApiServer.start(HelmInstallIT.class, false);
    client = kube.client();
    Path crdFile = PeerHome.fromEnvironment().find(Peer.OTEL_OPERATOR_CRDS);
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(crdFile)) {
      crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
    }
    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    kube.awaitCrdEstablished(crd.getMetadata().getName());
  }

  @AfterAll
  static void stop() {
    if (kube != null) {
      kube.close();
    }
  }

  @Test
  @Order(1)
  void helmInstallCreatesWhatTheValuesSay(PeerProcesses peers) throws Exception {
    helm(
        peers,
        "install",
        "rel",
        chart().toString(),
        "--namespace",
        NAMESPACE,
        "--create-namespace",
        "--set",
        "jaeger.enabled=true",
        "--set",
        "ingress.replicas=3",
        "--set",
        "webhook.excludeNamespaces={batch}",
        "--set",
        "instrumentation.enabled=true",
        "--set",
        "instrumentation.extension.tag=it");

    List<String> deployments =
        client.apps().deployments().inNamespace(NAMESPACE).list().getItems().stream()
            .map(d -> d.getMetadata().getName())
            .toList();
    assertThat(deployments)
        .containsExactlyInAnyOrder(
            "rel-infertrace-ingress",
            "rel-infertrace-webhook",
            "rel-infertrace-collector-gateway",
            "rel-infertrace-jaeger");
    Deployment ingress =
        client.apps().deployments().inNamespace(NAMESPACE).withName("rel-infertrace-ingress").get();
    assertThat(ingress.getSpec().getReplicas()).isEqualTo(3);
    assertThat(
            client
                .apps()
                .daemonSets()
                .inNamespace(NAMESPACE)
                .withName("rel-infertrace-collector-agent")
                .get())
        .isNotNull();
    assertThat(
            client.services().inNamespace(NAMESPACE).list().getItems().stream()
                .map(s -> s.getMetadata().getName()))
        .contains(
            "rel-infertrace-ingress",
            "rel-infertrace-webhook",
            "rel-infertrace-collector-gateway",
            "rel-infertrace-jaeger");
    assertThat(
            client.configMaps().inNamespace(NAMESPACE).list().getItems().stream()
                .map(c -> c.getMetadata().getName()))
        .contains(
            "rel-infertrace-collector-agent",
            "rel-infertrace-collector-gateway",
            "rel-infertrace-grafana-dashboard",
            "rel-infertrace-jaeger");
    assertThat(client.rbac().clusterRoles().withName("rel-infertrace-collector-agent").get())
        .isNotNull();
    assertThat(client.rbac().clusterRoleBindings().withName("rel-infertrace-collector-agent").get())
        .isNotNull();

    // The webhook configuration: the generated CA, both entries, the excluded namespaces.
    Secret tls =
        client.secrets().inNamespace(NAMESPACE).withName("rel-infertrace-webhook-tls").get();
    MutatingWebhookConfiguration config =
        client
            .admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .withName("rel-infertrace-webhook")
            .get();
    assertThat(config.getWebhooks()).hasSize(2);
    for (MutatingWebhook webhook : config.getWebhooks()) {
      assertThat(webhook.getClientConfig().getCaBundle()).isEqualTo(tls.getData().get("ca.crt"));
      assertThat(webhook.getFailurePolicy()).isEqualTo("Ignore");
      assertThat(webhook.getNamespaceSelector().getMatchExpressions().get(1).getValues())
          .containsExactly("kube-system", NAMESPACE, "batch");
    }

    // The Operator path: the Instrumentation, stored and read back through the Operator's CRD.
    GenericKubernetesResource instrumentation =
        client
            .genericKubernetesResources(INSTRUMENTATION)
            .inNamespace(NAMESPACE)
            .withName("rel-infertrace")
            .get();
    assertThat(instrumentation).isNotNull();
    Map<String, Object> extension = instrumentation.get("spec", "java", "extensions", 0);
    assertThat(extension)
        .containsEntry("image", "infertrace/infertrace-javaagent-extension:it")
        .containsEntry("dir", "/extensions");
    assertThat((String) instrumentation.get("spec", "exporter", "endpoint"))
        .isEqualTo("http://$(OTEL_NODE_IP):4318");
  }

  @Test
  @Order(2)
  void helmUpgradeKeepsTheGeneratedCa(PeerProcesses peers) throws Exception {
    String before =
        client
            .secrets()
            .inNamespace(NAMESPACE)
            .withName("rel-infertrace-webhook-tls")
            .get()
            .getData()
            .get("ca.crt");
    helm(
        peers,
        "upgrade",
        "rel",
        chart().toString(),
        "--namespace",
        NAMESPACE,
        "--reuse-values",
        "--set",
        "ingress.replicas=4");
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace(NAMESPACE)
                .withName("rel-infertrace-ingress")
                .get()
                .getSpec()
                .getReplicas())
        .isEqualTo(4);
    assertThat(
            client
                .secrets()
                .inNamespace(NAMESPACE)
                .withName("rel-infertrace-webhook-tls")
                .get()
                .getData()
                .get("ca.crt"))
        .isEqualTo(before);
    assertThat(
            client
                .admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName("rel-infertrace-webhook")
                .get()
                .getWebhooks())
        .allSatisfy(w -> assertThat(w.getClientConfig().getCaBundle()).isEqualTo(before));
  }

  @Test
  @Order(3)
  void theOperatorsSchemaValidatesTheInstrumentation(PeerProcesses peers) throws Exception {
    // The chart's rendering of the resource, in dry-run (server-side validation, nothing stored).
    GenericKubernetesResource rendered =
        client
            .genericKubernetesResources(INSTRUMENTATION)
            .inNamespace(NAMESPACE)
            .withName("rel-infertrace")
            .get();
    rendered.getMetadata().setName("dry-run-copy");
    rendered.getMetadata().setResourceVersion(null);
    rendered.getMetadata().setUid(null);
    rendered.getMetadata().setManagedFields(null);
    rendered.getMetadata().setCreationTimestamp(null);
    GenericKubernetesResource accepted =
        client
            .genericKubernetesResources(INSTRUMENTATION)
            .inNamespace(NAMESPACE)
            .resource(rendered)
            .dryRun()
            .create();
    assertThat(accepted.getMetadata().getName()).isEqualTo("dry-run-copy");
    assertThat(
            client
                .genericKubernetesResources(INSTRUMENTATION)
                .inNamespace(NAMESPACE)
                .withName("dry-run-copy")
                .get())
        .isNull();

    // The example of javaagent-extension/deploy, likewise.
    GenericKubernetesResource example;
    try (InputStream in =
        Files.newInputStream(
            TargetDir.repoRoot().resolve("javaagent-extension/deploy/instrumentation.yaml"))) {
      example = Serialization.unmarshal(in, GenericKubernetesResource.class);
    }
    assertThat(
            client
                .genericKubernetesResources(INSTRUMENTATION)
                .inNamespace(NAMESPACE)
                .resource(example)
                .dryRun()
                .create()
                .getMetadata()
                .getName())
        .isEqualTo("infertrace-java");
    assertThat((List<?>) rendered.get("spec", "java", "env")).hasSize(6);

    // The schema is really checked: an extension without its dir is refused.
    GenericKubernetesResource broken =
        Serialization.unmarshal(
            Serialization.asJson(rendered).replace("\"dir\":\"/extensions\"", "\"dri\":\"x\""),
            GenericKubernetesResource.class);
    assertThatThrownBy(
            () ->
                client
                    .genericKubernetesResources(INSTRUMENTATION)
                    .inNamespace(NAMESPACE)
                    .resource(broken)
                    .dryRun()
                    .create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("dir");
  }

  private static Path chart() {
    return TargetDir.repoRoot().resolve("deploy/helm/infertrace");
  }

  private static void helm(PeerProcesses peers, String... args) {
    List<String> command = new ArrayList<>(List.of(args));
    command.addAll(List.of("--kubeconfig", kube.kubeconfig().toString()));
    PeerProcess helm = peers.start(Peer.HELM, command);
    assertThat(helm.waitFor(Duration.ofSeconds(180))).as(helm.logTail(40)).isZero();
  }
}
