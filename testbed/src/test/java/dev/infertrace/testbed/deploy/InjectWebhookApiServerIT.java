package dev.infertrace.testbed.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.infertrace.proxy.ProxyMain;
import dev.infertrace.proxy.inject.WebhookServer;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.junit.KubeApiServer;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.junit.TargetDir;
import dev.infertrace.testbed.peers.Peer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.OutputStream;
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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ./infertrace inject-webhook} behind a real kube-apiserver: registered by a
 * MutatingWebhookConfiguration ({@code url:} to loopback, caBundle of a CA made here, {@code
 * failurePolicy: Ignore}, {@code reinvocationPolicy: IfNeeded}) like the chart's, with the real
 * controller manager turning a Deployment into pods through admission. No kubelet: pods are stored,
 * not run.
 */
@RequiresPeers({Peer.ETCD, Peer.KUBE_APISERVER, Peer.KUBE_CONTROLLER_MANAGER})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InjectWebhookApiServerIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OWN_NAMESPACE = "infertrace";
  private static final String ANNOTATED = "llm";
  private static final String LABELLED = "llm-labelled";

  /** Excluded by the webhook's own flag only, not by the configuration's namespaceSelector. */
  private static final String WEBHOOK_EXCLUDED = "batch";

  private static final String SIDECAR = "infertrace-worker";
  private static final String ENGINE_FLAG = "--otlp-traces-endpoint";

  private static KubeApiServer kube;
  private static KubernetesClient client;
  private static WebhookCertificates tls;
  private static Process webhook;
  private static Path webhookLog;
  private static int webhookPort;
  private static int adminPort;
  private static HttpsServer other;

  @BeforeAll
  static void startTheControlPlaneAndTheWebhook() throws Exception {
    kube = KubeApiServer.start(InjectWebhookApiServerIT.class, true);
    client = kube.client();
    Path dir = TargetDir.resolve("peer-work", "InjectWebhookApiServerIT", "webhook");
    tls = WebhookCertificates.create(dir);
    webhookLog =
        TargetDir.resolve("peer-logs", "InjectWebhookApiServerIT").resolve("inject-webhook.log");
    webhookPort = FreePorts.next();
    adminPort = FreePorts.next();
    startWebhook();

    kube.namespace(OWN_NAMESPACE, Map.of());
    kube.namespace(ANNOTATED, Map.of());
    kube.namespace(LABELLED, Map.of("infertrace.io/injection", "enabled"));
    kube.namespace("kube-system", Map.of());
    kube.namespace(WEBHOOK_EXCLUDED, Map.of());

    String url = "https://127.0.0.1:" + webhookPort;
    String caBundle = Base64.getEncoder().encodeToString(tls.caPem());
    client
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .resource(
            new MutatingWebhookConfigurationBuilder()
                .withNewMetadata()
                .withName("infertrace-webhook")
                .endMetadata()
                .withWebhooks(
                    webhook(
                        "namespace-enabled.inject.infertrace.io",
                        url + WebhookServer.NAMESPACE_ENABLED_PATH,
                        caBundle,
                        "In",
                        "IfNeeded"),
                    webhook(
                        "inject.infertrace.io",
                        url + WebhookServer.PATH,
                        caBundle,
                        "NotIn",
                        "IfNeeded"))
                .build())
        .create();
    // Admission sees a new configuration a moment after it is stored: wait until it injects.
    awaitTrue(
        "the webhook configuration to take effect",
        () -> hasSidecar(dryRun(ANNOTATED, pod("probe", Map.of("infertrace.io/inject", "true")))));
  }

  /** The chart's two entries: one for labelled namespaces, one for the others. */
  private static MutatingWebhook webhook(
      String name, String url, String caBundle, String labelOperator, String reinvocation) {
    return new MutatingWebhookBuilder()
        .withName(name)
        .withAdmissionReviewVersions("v1")
        .withSideEffects("None")
        .withFailurePolicy("Ignore")
        .withReinvocationPolicy(reinvocation)
        .withTimeoutSeconds(5)
        .withNewClientConfig()
        .withUrl(url)
        .withCaBundle(caBundle)
        .endClientConfig()
        .addNewRule()
        .withApiGroups("")
        .withApiVersions("v1")
        .withOperations("CREATE")
        .withResources("pods")
        .withScope("Namespaced")
        .endRule()
        .withNewNamespaceSelector()
        .withMatchExpressions(
            new LabelSelectorRequirementBuilder()
                .withKey("infertrace.io/injection")
                .withOperator(labelOperator)
                .withValues("enabled")
                .build(),
            new LabelSelectorRequirementBuilder()
                .withKey("kubernetes.io/metadata.name")
                .withOperator("NotIn")
                .withValues("kube-system", OWN_NAMESPACE)
                .build())
        .endNamespaceSelector()
        .build();
  }

  private static void startWebhook() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ProxyMain.class.getName());
    cmd.addAll(
        List.of(
            "inject-webhook",
            "--listen",
            "127.0.0.1:" + webhookPort,
            "--tls-cert",
            tls.cert().toString(),
            "--tls-key",
            tls.key().toString(),
            "--sidecar-image",
            "infertrace/infertrace:it",
            "--namespace",
            OWN_NAMESPACE,
            "--exclude-namespace",
            WEBHOOK_EXCLUDED,
            "--admin",
            "127.0.0.1:" + adminPort));
    Files.createDirectories(webhookLog.getParent());
    webhook =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(webhookLog.toFile()))
            .start();
    awaitTrue("inject-webhook to answer on its admin port", () -> metrics() != null);
  }

  @AfterAll
  static void stop() {
    if (other != null) {
      other.stop(0);
    }
    if (webhook != null) {
      webhook.destroyForcibly();
    }
    if (kube != null) {
      kube.close();
    }
  }

  @Test
  @Order(1)
  void aDeploymentsPodsCarryTheSidecarExactlyOnce() throws Exception {
    Deployment vllm =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("qwen")
            .withNamespace(ANNOTATED)
            .endMetadata()
            .withNewSpec()
            .withReplicas(2)
            .withNewSelector()
            .addToMatchLabels("app", "qwen")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "qwen")
            .addToAnnotations("infertrace.io/inject", "true")
            .endMetadata()
            .withSpec(vllmSpec())
            .endTemplate()
            .endSpec()
            .build();
    client.apps().deployments().inNamespace(ANNOTATED).resource(vllm).create();
    List<Pod> pods = awaitPods(ANNOTATED, "qwen", 2);
    for (Pod pod : pods) {
      assertInjectedOnce(pod);
      assertThat(pod.getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(o -> assertThat(o.getKind()).isEqualTo("ReplicaSet"));
    }
    // The ReplicaSet in between, made by the real controller manager.
    assertThat(client.apps().replicaSets().inNamespace(ANNOTATED).withLabel("app", "qwen").list())
        .satisfies(l -> assertThat(l.getItems()).hasSize(1));
  }

  @Test
  @Order(2)
  void aLabelledNamespacesDeploymentIsInjectedWithoutTheAnnotation() throws Exception {
    Deployment vllm =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("llama")
            .withNamespace(LABELLED)
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .withNewSelector()
            .addToMatchLabels("app", "llama")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "llama")
            .endMetadata()
            .withSpec(vllmSpec())
            .endTemplate()
            .endSpec()
            .build();
    client.apps().deployments().inNamespace(LABELLED).resource(vllm).create();
    assertInjectedOnce(awaitPods(LABELLED, "llama", 1).get(0));
  }

  @Test
  @Order(3)
  void theInjectedPodSpecPassesServerSideValidation() throws Exception {
    // dry-run=All: every admission step and the API server's validation of the mutated pod run,
    // nothing is stored.
    Pod dryRun =
        dryRun(ANNOTATED, pod("validated", Map.of("infertrace.io/inject", "true", "x", "y")));
    assertInjectedOnce(dryRun);
    assertThat(client.pods().inNamespace(ANNOTATED).withName("validated").get()).isNull();
    // The same with every port moved by annotation, and vLLM speaking OTLP/HTTP.
    Pod moved =
        pod(
            "validated-moved",
            Map.of(
                "infertrace.io/inject", "true",
                "infertrace.io/listen-port", "9081",
                "infertrace.io/upstream-port", "8000"));
    moved
        .getSpec()
        .getContainers()
        .get(0)
        .getEnv()
        .add(
            new io.fabric8.kubernetes.api.model.EnvVar(
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf", null));
    Pod movedDryRun = dryRun(ANNOTATED, moved);
    assertInjectedOnce(movedDryRun);
    assertThat(sidecar(movedDryRun).getArgs()).contains("0.0.0.0:9081");
    assertThat(movedDryRun.getSpec().getContainers().get(0).getArgs())
        .contains(ENGINE_FLAG + "=http://127.0.0.1:4318/v1/traces");
  }

  @Test
  @Order(4)
  void optOutExcludedNamespacesAndUnannotatedPodsAreLeftAlone() throws Exception {
    Pod optedOut =
        create(LABELLED, pod("opted-out", Map.of("infertrace.io/inject", "false"))).pod();
    assertUnchanged(optedOut);
    assertUnchanged(create(ANNOTATED, pod("plain", Map.of())).pod());
    // Not even sent to the webhook: the configuration's namespaceSelector leaves them out.
    for (String excluded : List.of("kube-system", OWN_NAMESPACE)) {
      assertUnchanged(create(excluded, pod("asks", Map.of("infertrace.io/inject", "true"))).pod());
    }
    // Sent, and left alone by the webhook itself (--exclude-namespace), which says so.
    Created batch = create(WEBHOOK_EXCLUDED, pod("asks", Map.of("infertrace.io/inject", "true")));
    assertUnchanged(batch.pod());
    assertThat(batch.warnings())
        .anySatisfy(w -> assertThat(w).contains("namespace " + WEBHOOK_EXCLUDED + " is excluded"));
  }

  @Test
  @Order(5)
  void aBadAnnotationAdmitsThePodUnchangedWithAWarning() throws Exception {
    Created yes = create(ANNOTATED, pod("bad-inject", Map.of("infertrace.io/inject", "yes")));
    assertUnchanged(yes.pod());
    assertThat(yes.warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("sidecar not injected")
                    .contains("infertrace.io/inject is \"yes\""));
    Created port =
        create(
            ANNOTATED,
            pod(
                "bad-port",
                Map.of("infertrace.io/inject", "true", "infertrace.io/listen-port", "70000")));
    assertUnchanged(port.pod());
    assertThat(port.warnings())
        .anySatisfy(w -> assertThat(w).contains("infertrace.io/listen-port is \"70000\""));
  }

  @Test
  @Order(6)
  void reinvocationNeverInjectsTwice() throws Exception {
    // A second mutating webhook, called after ours (configurations run in name order), changes
    // the pod: with reinvocationPolicy IfNeeded the API server calls ours again.
    other = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    other.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext()));
    other.createContext(
        "/",
        exchange -> {
          JsonNode review = JSON.readTree(exchange.getRequestBody());
          ObjectNode response = JSON.createObjectNode();
          response.put("uid", review.at("/request/uid").asText());
          response.put("allowed", true);
          boolean hasAnnotations = review.at("/request/object/metadata/annotations").isObject();
          String patch =
              hasAnnotations
                  ? "[{\"op\":\"add\",\"path\":\"/metadata/annotations/other.example~1seen\","
                      + "\"value\":\"yes\"}]"
                  : "[{\"op\":\"add\",\"path\":\"/metadata/annotations\","
                      + "\"value\":{\"other.example/seen\":\"yes\"}}]";
          response.put("patchType", "JSONPatch");
          response.put(
              "patch", Base64.getEncoder().encodeToString(patch.getBytes(StandardCharsets.UTF_8)));
          ObjectNode answer = JSON.createObjectNode();
          answer.put("apiVersion", "admission.k8s.io/v1");
          answer.put("kind", "AdmissionReview");
          answer.set("response", response);
          byte[] body = JSON.writeValueAsBytes(answer);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    other.start();
    MutatingWebhook touching =
        webhook(
            "touch.other.example",
            "https://127.0.0.1:" + other.getAddress().getPort() + "/",
            Base64.getEncoder().encodeToString(tls.caPem()),
            "NotIn",
            "Never");
    client
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .resource(
            new MutatingWebhookConfigurationBuilder()
                .withNewMetadata()
                .withName("zz-other-webhook")
                .endMetadata()
                .withWebhooks(touching)
                .build())
        .create();
    awaitTrue(
        "the second webhook to take effect",
        () -> {
          Pod p = dryRun(ANNOTATED, pod("probe-other", Map.of("infertrace.io/inject", "true")));
          return "yes".equals(p.getMetadata().getAnnotations().get("other.example/seen"));
        });

    long before = outcome("already_injected");
    Pod pod = create(ANNOTATED, pod("reinvoked", Map.of("infertrace.io/inject", "true"))).pod();
    assertThat(pod.getMetadata().getAnnotations()).containsEntry("other.example/seen", "yes");
    assertInjectedOnce(pod);
    // Our webhook was asked again, about a pod it had injected, and left it as it was.
    assertThat(outcome("already_injected")).isGreaterThan(before);

    client
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .withName("zz-other-webhook")
        .delete();
    other.stop(0);
    other = null;
  }

  @Test
  @Order(7)
  void aDeadWebhookStillAdmitsPodsAndTheyCanBeFound() throws Exception {
    webhook.destroyForcibly();
    assertThat(webhook.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Pod admitted =
        create(ANNOTATED, pod("while-down", Map.of("infertrace.io/inject", "true"))).pod();
    assertUnchanged(admitted);

    // src/docs/kubernetes.md: the pods that asked for the sidecar and lack it.
    List<String> withoutSidecar =
        client.pods().inAnyNamespace().list().getItems().stream()
            .filter(
                p -> {
                  Map<String, String> a = annotations(p);
                  return "true".equals(a.get("infertrace.io/inject"))
                      && !"injected".equals(a.get("infertrace.io/status"));
                })
            .map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName())
            .toList();
    // The ones the webhook left alone on purpose (excluded namespaces) and the one it missed.
    assertThat(withoutSidecar)
        .contains(ANNOTATED + "/while-down")
        .doesNotContain(ANNOTATED + "/reinvoked");

    // The API server counted the failure to call it (apiserver_admission_webhook_fail_open_count).
    HttpClient http = HttpClient.newBuilder().sslContext(kube.tls()).build();
    String metrics =
        http.send(
                HttpRequest.newBuilder(kube.server().resolve("/metrics"))
                    .header("Authorization", "Bearer " + kube.token())
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .containsPattern(
            "apiserver_admission_webhook_fail_open_count\\{[^}]*name=\"inject.infertrace.io\"[^}]*\\}"
                + " [1-9]");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static PodSpec vllmSpec() {
    return new PodSpecBuilder()
        .addNewContainer()
        .withName("vllm")
        .withImage("vllm/vllm-openai:v0.11.0")
        .withArgs("--model", "Qwen/Qwen2.5-0.5B-Instruct", "--port", "8000")
        .addNewPort()
        .withName("http")
        .withContainerPort(8000)
        .endPort()
        .withEnv(new ArrayList<>())
        .endContainer()
        .build();
  }

  private static Pod pod(String name, Map<String, String> annotations) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withAnnotations(new LinkedHashMap<>(annotations))
        .endMetadata()
        .withSpec(vllmSpec())
        .build();
  }

  private static Pod dryRun(String namespace, Pod pod) {
    return client.pods().inNamespace(namespace).resource(pod).dryRun().create();
  }

  /** The pod as the API server stored it, with the admission warnings it answered. */
  private record Created(Pod pod, List<String> warnings) {}

  /**
   * Creates {@code pod} with a plain POST, because the admission warnings travel in {@code Warning}
   * response headers, which the client library only logs.
   */
  private static Created create(String namespace, Pod pod) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(kube.tls()).build();
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    kube.server().resolve("/api/v1/namespaces/" + namespace + "/pods"))
                .header("Authorization", "Bearer " + kube.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Serialization.asJson(pod)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    List<String> warnings = new ArrayList<>();
    Pattern text = Pattern.compile("^\\d{3} \\S+ \"(.*)\"$");
    for (String header : response.headers().allValues("Warning")) {
      Matcher m = text.matcher(header);
      warnings.add(m.matches() ? m.group(1).replace("\\\"", "\"") : header);
    }
    return new Created(Serialization.unmarshal(response.body(), Pod.class), warnings);
  }

  private static List<Pod> awaitPods(String namespace, String app, int n) throws Exception {
    List<Pod> pods = List.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      pods = client.pods().inNamespace(namespace).withLabel("app", app).list().getItems();
      if (pods.size() >= n) {
        return pods;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "the controller manager made " + pods.size() + " of " + n + " pods of " + app);
  }

  private static void assertInjectedOnce(Pod pod) {
    String name = pod.getMetadata().getName();
    List<Container> init =
        pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
    assertThat(init.stream().filter(c -> SIDECAR.equals(c.getName())))
        .as("sidecars of %s", name)
        .singleElement()
        .satisfies(c -> assertThat(c.getRestartPolicy()).isEqualTo("Always"));
    assertThat(pod.getSpec().getContainers()).noneMatch(c -> SIDECAR.equals(c.getName()));
    assertThat(annotations(pod)).containsEntry("infertrace.io/status", "injected");
    Container vllm = pod.getSpec().getContainers().get(0);
    assertThat(vllm.getArgs().stream().filter(a -> a.startsWith(ENGINE_FLAG)))
        .as("%s of %s", ENGINE_FLAG, name)
        .hasSize(1);
  }

  private static void assertUnchanged(Pod pod) {
    assertThat(pod.getSpec().getInitContainers()).isNullOrEmpty();
    assertThat(annotations(pod)).doesNotContainKey("infertrace.io/status");
    assertThat(pod.getSpec().getContainers().get(0).getArgs())
        .noneMatch(a -> a.startsWith("--otlp"));
  }

  private static Container sidecar(Pod pod) {
    return pod.getSpec().getInitContainers().stream()
        .filter(c -> SIDECAR.equals(c.getName()))
        .findFirst()
        .orElseThrow();
  }

  private static boolean hasSidecar(Pod pod) {
    return pod.getSpec().getInitContainers() != null
        && pod.getSpec().getInitContainers().stream().anyMatch(c -> SIDECAR.equals(c.getName()));
  }

  private static Map<String, String> annotations(Pod pod) {
    Map<String, String> a = pod.getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }

  /** The webhook's {@code /metrics} page, or null while it does not answer. */
  private static String metrics() {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static long outcome(String label) {
    Matcher m =
        Pattern.compile("infertrace_inject_admissions_total\\{outcome=\"" + label + "\"\\} (\\d+)")
            .matcher(String.valueOf(metrics()));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static void awaitTrue(String what, Supplier<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (webhook != null && !webhook.isAlive()) {
        throw new AssertionError(
            "inject-webhook exited while waiting for "
                + what
                + ":\n"
                + Files.readString(webhookLog));
      }
      try {
        if (Boolean.TRUE.equals(condition.get())) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no " + what + " within 60 s", last);
  }
}
