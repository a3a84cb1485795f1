package dev.infertrace.proxy.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infertrace.proxy.inject.InjectionDecision.Outcome;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Decides whether a pod gets the worker sidecar and writes the JSON Patch that adds it. Pure: no
 * I/O, thread-safe. The rules (src/docs/kubernetes.md): the pod's {@code infertrace.io/inject}
 * annotation wins ({@code "true"} / {@code "false"}), else its namespace's {@code
 * infertrace.io/injection=enabled} label; excluded namespaces are never injected; a pod that
 * already has the sidecar is left as it is; a malformed annotation leaves the pod unchanged with a
 * warning that says why.
 */
public final class SidecarInjector {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ENGINE_FLAG = "--otlp-traces-endpoint";

  private final InjectionSettings settings;

  public SidecarInjector(InjectionSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * The decision for {@code podJson} (the AdmissionRequest's object) created in {@code namespace}.
   *
   * @param namespaceEnabled whether the namespace carries {@code infertrace.io/injection=enabled}
   *     (the webhook configuration's namespaceSelector says so through the request path)
   */
  public InjectionDecision decide(String namespace, boolean namespaceEnabled, JsonNode podJson) {
    Pod pod;
    try {
      pod = JSON.convertValue(podJson, Pod.class);
    } catch (IllegalArgumentException e) {
      return unchanged(Outcome.MALFORMED, "infertrace: the object is not a readable Pod");
    }
    Map<String, String> annotations =
        pod.getMetadata() == null || pod.getMetadata().getAnnotations() == null
            ? Map.of()
            : pod.getMetadata().getAnnotations();
    String inject = annotations.get(InjectAnnotations.INJECT);
    if (inject != null && !inject.equals("true") && !inject.equals("false")) {
      return malformed(
          InjectAnnotations.INJECT + " is \"" + inject + "\", expected \"true\" or \"false\"");
    }
    if ("false".equals(inject)) {
      return unchanged(Outcome.OPTED_OUT);
    }
    if (inject == null && !namespaceEnabled) {
      return unchanged(Outcome.NOT_REQUESTED);
    }
    if (settings.excludedNamespaces().contains(namespace)) {
      return unchanged(
          Outcome.EXCLUDED_NAMESPACE,
          "infertrace: namespace "
              + namespace
              + " is excluded from sidecar injection; the pod runs without the sidecar");
    }
    PodSpec spec = pod.getSpec();
    if (annotations.containsKey(InjectAnnotations.STATUS) || hasSidecar(spec)) {
      return unchanged(Outcome.ALREADY_INJECTED);
    }
    if (spec == null || spec.getContainers() == null || spec.getContainers().isEmpty()) {
      return malformed("the pod has no containers");
    }
    try {
      return inject(podJson, spec, annotations);
    } catch (Malformed e) {
      return malformed(e.getMessage());
    }
  }

  private InjectionDecision inject(JsonNode podJson, PodSpec spec, Map<String, String> annotations)
      throws Malformed {
    int upstream = port(annotations, InjectAnnotations.UPSTREAM_PORT, settings.upstreamPort());
    int listen = port(annotations, InjectAnnotations.LISTEN_PORT, settings.listenPort());
    String tracing = annotations.getOrDefault(InjectAnnotations.ENGINE_TRACING, "true");
    if (!tracing.equals("true") && !tracing.equals("false")) {
      throw new Malformed(
          InjectAnnotations.ENGINE_TRACING
              + " is \""
              + tracing
              + "\", expected \"true\" or \"false\"");
    }
    int index = vllmContainer(spec.getContainers(), annotations, upstream);
    checkPortsFree(spec, upstream, listen);

    List<String> warnings = new ArrayList<>();
    ArrayNode patch = JSON.createArrayNode();
    ObjectNode status = JSON.createObjectNode().put(InjectAnnotations.STATUS, "injected");
    if (podJson.path("metadata").path("annotations").isObject()) {
      add(
          patch,
          "/metadata/annotations/" + escape(InjectAnnotations.STATUS),
          status.get(InjectAnnotations.STATUS));
    } else {
      add(patch, "/metadata/annotations", status);
    }
    JsonNode sidecar = JSON.valueToTree(SidecarContainer.create(settings, upstream, listen));
    appendTo(patch, podJson.path("spec"), "/spec", "initContainers", sidecar);
    if (tracing.equals("true")) {
      engineTracing(patch, warnings, podJson, index, spec.getContainers().get(index));
    }
    return new InjectionDecision(Outcome.INJECTED, patch, warnings);
  }

  /**
   * Adds vLLM's {@code --otlp-traces-endpoint} pointing at the sidecar's receiver, if it lacks one.
   */
  private void engineTracing(
      ArrayNode patch, List<String> warnings, JsonNode podJson, int index, Container vllm) {
    List<String> line = new ArrayList<>();
    if (vllm.getCommand() != null) {
      line.addAll(vllm.getCommand());
    }
    if (vllm.getArgs() != null) {
      line.addAll(vllm.getArgs());
    }
    if (line.stream().anyMatch(a -> a.contains(ENGINE_FLAG))) {
      return; // the operator chose an endpoint: keep it
    }
    int otlp = settings.otlpReceiverPort();
    String endpoint = "grpc://127.0.0.1:" + otlp;
    EnvVar protocol = env(vllm, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
    if (protocol != null && "http/protobuf".equals(protocol.getValue())) {
      endpoint = "http://127.0.0.1:" + (otlp + 1) + "/v1/traces";
    }
    if (runsShell(vllm)) {
      warnings.add(
          "infertrace: container "
              + vllm.getName()
              + " runs a shell command line, so vLLM's engine tracing was not turned on; add "
              + ENGINE_FLAG
              + "="
              + endpoint
              + " to its vllm serve command for exact queue/prefill/decode phases");
      return;
    }
    String base = "/spec/containers/" + index;
    JsonNode container = podJson.path("spec").path("containers").path(index);
    appendTo(
        patch,
        container,
        base,
        "args",
        JSON.getNodeFactory().textNode(ENGINE_FLAG + "=" + endpoint));
    if (env(vllm, "OTEL_EXPORTER_OTLP_TRACES_INSECURE") == null) {
      // vLLM releases before the grpc exporter became insecure by default need this for grpc://.
      appendTo(
          patch,
          container,
          base,
          "env",
          JSON.valueToTree(SidecarContainer.value("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "true")));
    }
  }

  /**
   * The container vLLM runs in: named by annotation, else the one exposing the port, else the
   * first.
   */
  private static int vllmContainer(
      List<Container> containers, Map<String, String> annotations, int upstream) throws Malformed {
    String named = annotations.get(InjectAnnotations.CONTAINER);
    for (int i = 0; i < containers.size(); i++) {
      Container c = containers.get(i);
      if (named != null ? named.equals(c.getName()) : exposes(c, upstream)) {
        return i;
      }
    }
    if (named != null) {
      throw new Malformed(
          InjectAnnotations.CONTAINER
              + " names \""
              + named
              + "\", which is not a container of the pod");
    }
    return 0;
  }

  private void checkPortsFree(PodSpec spec, int upstream, int listen) throws Malformed {
    Set<Integer> used = new HashSet<>();
    Stream.concat(
            spec.getContainers().stream(),
            spec.getInitContainers() == null ? Stream.empty() : spec.getInitContainers().stream())
        .filter(c -> c.getPorts() != null)
        .flatMap(c -> c.getPorts().stream())
        .map(ContainerPort::getContainerPort)
        .filter(Objects::nonNull)
        .forEach(used::add);
    used.add(upstream);
    int otlp = settings.otlpReceiverPort();
    for (int mine : new int[] {listen, settings.adminPort(), otlp, otlp + 1}) {
      if (used.contains(mine)) {
        throw new Malformed(
            "the sidecar's port "
                + mine
                + " is already used in the pod (upstream port "
                + upstream
                + "); set "
                + InjectAnnotations.LISTEN_PORT
                + " or "
                + InjectAnnotations.UPSTREAM_PORT);
      }
    }
    if (listen == settings.adminPort() || listen == otlp || listen == otlp + 1) {
      throw new Malformed(
          InjectAnnotations.LISTEN_PORT + " " + listen + " collides with the sidecar's own ports");
    }
  }

  private static int port(Map<String, String> annotations, String key, int fallback)
      throws Malformed {
    String value = annotations.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      int port = Integer.parseInt(value.strip());
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new Malformed(key + " is \"" + value + "\", expected a port number 1..65535");
  }

  private static boolean exposes(Container c, int port) {
    return c.getPorts() != null
        && c.getPorts().stream().anyMatch(p -> Objects.equals(p.getContainerPort(), port));
  }

  private static boolean hasSidecar(PodSpec spec) {
    return spec != null
        && Stream.concat(
                spec.getContainers() == null ? Stream.empty() : spec.getContainers().stream(),
                spec.getInitContainers() == null
                    ? Stream.empty()
                    : spec.getInitContainers().stream())
            .anyMatch(c -> InjectAnnotations.SIDECAR_NAME.equals(c.getName()));
  }

  /** Whether the container's command line is {@code sh -c '...'} (flags cannot be appended). */
  private static boolean runsShell(Container c) {
    List<String> command = c.getCommand() == null ? List.of() : c.getCommand();
    if (command.isEmpty()) {
      return false;
    }
    String program = command.get(0).substring(command.get(0).lastIndexOf('/') + 1);
    return Set.of("sh", "bash", "ash", "dash", "zsh").contains(program);
  }

  private static EnvVar env(Container c, String name) {
    return c.getEnv() == null
        ? null
        : c.getEnv().stream().filter(e -> name.equals(e.getName())).findFirst().orElse(null);
  }

  /**
   * Appends {@code value} to the array {@code field} of {@code parent}, creating the array if
   * absent.
   */
  private static void appendTo(
      ArrayNode patch, JsonNode parent, String parentPath, String field, JsonNode value) {
    JsonNode array = parent.path(field);
    if (array.isArray() && !array.isEmpty()) {
      add(patch, parentPath + "/" + field + "/-", value);
    } else {
      add(patch, parentPath + "/" + field, JSON.createArrayNode().add(value));
    }
  }

  private static void add(ArrayNode patch, String path, JsonNode value) {
    patch.addObject().put("op", "add").put("path", path).set("value", value);
  }

  /** RFC 6901: {@code ~} and {@code /} in a member name. */
  private static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }

  private static InjectionDecision unchanged(Outcome outcome, String... warnings) {
    return new InjectionDecision(outcome, JSON.createArrayNode(), List.of(warnings));
  }

  private static InjectionDecision malformed(String why) {
    return unchanged(
        Outcome.MALFORMED, "infertrace: sidecar not injected: " + why + "; the pod is unchanged");
  }

  /** A pod's annotations that cannot be followed. */
  private static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }
}
