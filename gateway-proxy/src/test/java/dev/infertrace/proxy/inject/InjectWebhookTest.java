package dev.infertrace.proxy.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The webhook over real HTTPS on loopback, fed AdmissionReview v1 JSON in the shape kube-apiserver
 * sends; each patch is applied to the pod it was made for, as the apiserver would.
 */
class InjectWebhookTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path FIXTURES = Path.of("src/test/resources/inject");

  private static WebhookServer server;
  private static AdmissionHandler handler;
  private static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    InjectionSettings settings =
        new InjectionSettings(
            "registry.example/infertrace:0.1.0",
            8000,
            8081,
            9464,
            4317,
            "http://$(HOST_IP):4318",
            9400,
            "250m",
            "256Mi",
            "512Mi",
            Set.of("kube-system", "infertrace"));
    handler = new AdmissionHandler(new SidecarInjector(settings));
    server =
        WebhookServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            FIXTURES.resolve("webhook.crt"),
            FIXTURES.resolve("webhook-pkcs1.key"),
            handler);
    client = trustingClient();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void anAnnotatedPodGetsTheNativeSidecarInFrontOfVllm() throws Exception {
    ObjectNode review = review();
    JsonNode response = admit(review, WebhookServer.PATH);

    assertThat(response.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
    assertThat(response.path("kind").asText()).isEqualTo("AdmissionReview");
    assertThat(response.at("/response/uid").asText())
        .isEqualTo("3f2a9c1e-7d4b-4c1a-9b6e-0a1b2c3d4e5f");
    assertThat(response.at("/response/allowed").asBoolean()).isTrue();
    assertThat(response.at("/response/patchType").asText()).isEqualTo("JSONPatch");
    assertThat(response.at("/response/warnings").isMissingNode()).isTrue();

    JsonNode pod = patched(review, response);
    JsonNode init = pod.at("/spec/initContainers");
    assertThat(init).hasSize(1);
    JsonNode sidecar = init.get(0);
    assertThat(sidecar.path("name").asText()).isEqualTo("infertrace-worker");
    assertThat(sidecar.path("restartPolicy").asText()).isEqualTo("Always");
    assertThat(sidecar.path("image").asText()).isEqualTo("registry.example/infertrace:0.1.0");
    assertThat(texts(sidecar.path("args")))
        .containsExactly(
            "worker",
            "--listen",
            "0.0.0.0:8081",
            "--upstream",
            "http://127.0.0.1:8000",
            "--admin",
            "0.0.0.0:9464",
            "--otlp-receiver",
            "127.0.0.1:4317",
            "--otlp-receiver-http",
            "127.0.0.1:4318");
    assertThat(env(sidecar, "HOST_IP").at("/valueFrom/fieldRef/fieldPath").asText())
        .isEqualTo("status.hostIP");
    assertThat(env(sidecar, "POD_NAME").at("/valueFrom/fieldRef/fieldPath").asText())
        .isEqualTo("metadata.name");
    assertThat(env(sidecar, "INFERTRACE_DCGM").path("value").asText())
        .isEqualTo("http://$(HOST_IP):9400/metrics");
    assertThat(env(sidecar, "OTEL_EXPORTER_OTLP_ENDPOINT").path("value").asText())
        .isEqualTo("http://$(HOST_IP):4318");
    assertThat(env(sidecar, "OTEL_RESOURCE_ATTRIBUTES").path("value").asText())
        .contains("k8s.pod.name=$(POD_NAME)");
    assertThat(sidecar.at("/resources/requests/cpu").asText()).isEqualTo("250m");
    assertThat(sidecar.at("/resources/limits/memory").asText()).isEqualTo("512Mi");
    assertThat(sidecar.at("/startupProbe/httpGet/port").asInt()).isEqualTo(9464);
    assertThat(sidecar.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();

    JsonNode vllm = pod.at("/spec/containers/0");
    assertThat(texts(vllm.path("args")))
        .containsExactly(
            "--model",
            "Qwen/Qwen2.5-7B-Instruct",
            "--port",
            "8000",
            "--otlp-traces-endpoint=grpc://127.0.0.1:4317");
    assertThat(env(vllm, "OTEL_EXPORTER_OTLP_TRACES_INSECURE").path("value").asText())
        .isEqualTo("true");
    assertThat(env(vllm, "HF_HOME").path("value").asText()).isEqualTo("/models");
    assertThat(pod.at("/metadata/annotations").path("infertrace.io/status").asText())
        .isEqualTo("injected");
    // Nothing else of the pod changed.
    ObjectNode before = (ObjectNode) review.path("request").path("object").deepCopy();
    assertThat(pod.path("spec").path("volumes")).isEqualTo(before.at("/spec/volumes"));
    assertThat(pod.at("/spec/containers/0/resources"))
        .isEqualTo(before.at("/spec/containers/0/resources"));
  }

  @Test
  void aSecondInvocationOfAnInjectedPodChangesNothing() throws Exception {
    ObjectNode review = review();
    JsonNode pod = patched(review, admit(review, WebhookServer.PATH));
    ((ObjectNode) review.path("request")).set("object", pod);

    JsonNode again = admit(review, WebhookServer.PATH);

    assertThat(again.at("/response/allowed").asBoolean()).isTrue();
    assertThat(again.at("/response/patch").isMissingNode()).isTrue();
    // Even without the status annotation (a pod spec copied from an injected one).
    ((ObjectNode) pod.path("metadata").path("annotations")).remove("infertrace.io/status");
    assertThat(admit(review, WebhookServer.PATH).at("/response/patch").isMissingNode()).isTrue();
  }

  @Test
  void anUnannotatedPodIsUntouched() throws Exception {
    ObjectNode review = review();
    ((ObjectNode) review.at("/request/object/metadata")).remove("annotations");

    JsonNode response = admit(review, WebhookServer.PATH);

    assertThat(response.at("/response/allowed").asBoolean()).isTrue();
    assertThat(response.at("/response/patch").isMissingNode()).isTrue();
    assertThat(response.at("/response/warnings").isMissingNode()).isTrue();
  }

  @Test
  void aPodOfALabelledNamespaceIsInjectedWithoutAnnotationsAndCanOptOut() throws Exception {
    ObjectNode review = review();
    ((ObjectNode) review.at("/request/object/metadata")).remove("annotations");

    JsonNode pod = patched(review, admit(review, WebhookServer.NAMESPACE_ENABLED_PATH));
    assertThat(pod.at("/spec/initContainers/0/name").asText()).isEqualTo("infertrace-worker");
    assertThat(pod.at("/metadata/annotations/infertrace.io~1status").asText())
        .isEqualTo("injected");

    annotate(review, "infertrace.io/inject", "false");
    JsonNode optedOut = admit(review, WebhookServer.NAMESPACE_ENABLED_PATH);
    assertThat(optedOut.at("/response/patch").isMissingNode()).isTrue();
    assertThat(optedOut.at("/response/warnings").isMissingNode()).isTrue();
  }

  @Test
  void excludedNamespacesAreNeverInjected() throws Exception {
    for (String namespace : List.of("kube-system", "infertrace")) {
      ObjectNode review = review();
      ((ObjectNode) review.path("request")).put("namespace", namespace);

      JsonNode response = admit(review, WebhookServer.PATH);

      assertThat(response.at("/response/allowed").asBoolean()).isTrue();
      assertThat(response.at("/response/patch").isMissingNode()).isTrue();
      assertThat(texts(response.at("/response/warnings")))
          .containsExactly(
              "infertrace: namespace "
                  + namespace
                  + " is excluded from sidecar injection; the pod runs without the sidecar");
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "infertrace.io/inject|yes|infertrace.io/inject is \"yes\", expected \"true\" or \"false\"",
        "infertrace.io/upstream-port|80a|infertrace.io/upstream-port is \"80a\", expected a port"
            + " number 1..65535",
        "infertrace.io/container|engine|infertrace.io/container names \"engine\", which is not a"
            + " container of the pod",
        "infertrace.io/listen-port|8000|the sidecar's port 8000 is already used in the pod"
            + " (upstream port 8000); set infertrace.io/listen-port or infertrace.io/upstream-port",
        "infertrace.io/engine-tracing|no|infertrace.io/engine-tracing is \"no\", expected \"true\""
            + " or \"false\""
      })
  void aMalformedAnnotationAdmitsThePodUnchangedWithAWarningThatSaysWhy(
      String key, String value, String why) throws Exception {
    ObjectNode review = review();
    annotate(review, key, value);

    JsonNode response = admit(review, WebhookServer.PATH);

    assertThat(response.at("/response/allowed").asBoolean()).isTrue();
    assertThat(response.at("/response/patch").isMissingNode()).isTrue();
    assertThat(texts(response.at("/response/warnings")))
        .containsExactly("infertrace: sidecar not injected: " + why + "; the pod is unchanged");
  }

  @Test
  void annotationsOverrideThePortsAndPickTheContainer() throws Exception {
    ObjectNode review = review();
    ArrayNode containers = (ArrayNode) review.at("/request/object/spec/containers");
    ObjectNode engine = containers.get(0).deepCopy();
    engine.put("name", "engine");
    engine.set("args", JSON.createArrayNode().add("--port").add("9000"));
    engine.set("ports", JSON.readTree("[{\"containerPort\": 9000, \"protocol\": \"TCP\"}]"));
    containers.insert(0, JSON.readTree("{\"name\": \"proxy\", \"image\": \"envoy\"}"));
    containers.set(1, engine);
    containers.add(
        JSON.readTree(
            "{\"name\": \"other\", \"image\": \"x\", \"ports\": [{\"containerPort\": 8000}]}"));
    annotate(review, "infertrace.io/upstream-port", "9000");
    annotate(review, "infertrace.io/listen-port", "8100");

    JsonNode pod = patched(review, admit(review, WebhookServer.PATH));

    JsonNode sidecar = pod.at("/spec/initContainers/0");
    assertThat(texts(sidecar.path("args")))
        .containsSequence("--listen", "0.0.0.0:8100", "--upstream", "http://127.0.0.1:9000");
    assertThat(sidecar.at("/ports/0/containerPort").asInt()).isEqualTo(8100);
    assertThat(texts(pod.at("/spec/containers/1/args")))
        .containsExactly("--port", "9000", "--otlp-traces-endpoint=grpc://127.0.0.1:4317");
    assertThat(pod.at("/spec/containers/0/args").isMissingNode()).isTrue();
    assertThat(pod.at("/spec/containers/2/args").isMissingNode()).isTrue();
  }

  @Test
  void vllmsEngineTracingIsKeptWhenSetAndNamedWhenItCannotBeAdded() throws Exception {
    ObjectNode review = review();
    ObjectNode vllm = (ObjectNode) review.at("/request/object/spec/containers/0");
    ((ArrayNode) vllm.path("args")).add("--otlp-traces-endpoint=grpc://collector:4317");
    JsonNode kept = patched(review, admit(review, WebhookServer.PATH));
    assertThat(texts(kept.at("/spec/containers/0/args")))
        .containsOnlyOnce("--otlp-traces-endpoint=grpc://collector:4317")
        .hasSize(5);

    review = review();
    vllm = (ObjectNode) review.at("/request/object/spec/containers/0");
    vllm.set("command", JSON.createArrayNode().add("/bin/sh").add("-c"));
    vllm.set("args", JSON.createArrayNode().add("vllm serve Qwen/Qwen2.5-7B-Instruct"));
    JsonNode response = admit(review, WebhookServer.PATH);
    JsonNode shell = patched(review, response);
    assertThat(shell.at("/spec/initContainers/0/name").asText()).isEqualTo("infertrace-worker");
    assertThat(texts(shell.at("/spec/containers/0/args")))
        .containsExactly("vllm serve Qwen/Qwen2.5-7B-Instruct");
    assertThat(texts(response.at("/response/warnings")))
        .singleElement()
        .asString()
        .contains("add --otlp-traces-endpoint=grpc://127.0.0.1:4317");

    review = review();
    annotate(review, "infertrace.io/engine-tracing", "false");
    JsonNode untouched = patched(review, admit(review, WebhookServer.PATH));
    assertThat(texts(untouched.at("/spec/containers/0/args"))).hasSize(4);
  }

  @Test
  void thePodsOwnInitContainersAndEnvAreAppendedTo() throws Exception {
    ObjectNode review = review();
    ObjectNode spec = (ObjectNode) review.at("/request/object/spec");
    spec.set(
        "initContainers", JSON.readTree("[{\"name\": \"fetch-model\", \"image\": \"busybox\"}]"));
    ((ObjectNode) review.at("/request/object/spec/containers/0")).remove("env");

    JsonNode pod = patched(review, admit(review, WebhookServer.PATH));

    assertThat(pod.at("/spec/initContainers/0/name").asText()).isEqualTo("fetch-model");
    assertThat(pod.at("/spec/initContainers/1/name").asText()).isEqualTo("infertrace-worker");
    assertThat(pod.at("/spec/containers/0/env")).hasSize(1);
  }

  @Test
  void otherRequestsAreAllowedUnchangedAndGarbageIsABadRequest() throws Exception {
    ObjectNode review = review();
    ((ObjectNode) review.path("request")).put("operation", "UPDATE");
    assertThat(admit(review, WebhookServer.PATH).at("/response/patch").isMissingNode()).isTrue();

    HttpResponse<String> garbage = post("{\"kind\": 3", WebhookServer.PATH);
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(garbage.body()).startsWith("not an AdmissionReview v1");

    HttpResponse<String> health =
        client.send(
            HttpRequest.newBuilder(uri("/healthz")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(handler.outcomes()).containsKey("not_a_pod_create");
  }

  @Test
  void aPkcs8KeyServesToo() throws Exception {
    try (WebhookServer pkcs8 =
        WebhookServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            FIXTURES.resolve("webhook.crt"),
            FIXTURES.resolve("webhook-pkcs8.key"),
            handler)) {
      URI health = URI.create("https://127.0.0.1:" + pkcs8.address().getPort() + "/healthz");
      assertThat(
              client
                  .send(
                      HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
    }
  }

  private static ObjectNode review() throws Exception {
    try (InputStream in =
        java.nio.file.Files.newInputStream(FIXTURES.resolve("vllm-pod-review.json"))) {
      return (ObjectNode) JSON.readTree(in);
    }
  }

  private static void annotate(ObjectNode review, String key, String value) {
    ObjectNode meta = (ObjectNode) review.at("/request/object/metadata");
    if (!meta.path("annotations").isObject()) {
      meta.putObject("annotations");
    }
    ((ObjectNode) meta.path("annotations")).put(key, value);
  }

  private static JsonNode admit(ObjectNode review, String path) throws Exception {
    HttpResponse<String> response = post(JSON.writeValueAsString(review), path);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static HttpResponse<String> post(String body, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The pod after the apiserver applied the response's patch. */
  private static JsonNode patched(ObjectNode review, JsonNode response) throws Exception {
    JsonNode pod = review.at("/request/object");
    String patch = response.at("/response/patch").asText(null);
    assertThat(patch).as("a patch in " + response).isNotNull();
    return JsonPatch.apply(JSON.readTree(Base64.getDecoder().decode(patch)), pod);
  }

  private static JsonNode env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("no env " + name + " in " + container);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static URI uri(String path) {
    return URI.create("https://127.0.0.1:" + server.address().getPort() + path);
  }

  private static HttpClient trustingClient() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = java.nio.file.Files.newInputStream(FIXTURES.resolve("webhook.crt"))) {
      trust.setCertificateEntry(
          "webhook", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
  }
}
