package dev.infertrace.testbed.peers;

/**
 * The real programs, written by other projects, that infertrace is tested and benchmarked against.
 *
 * <p>{@code scripts/install-peers.sh} installs every one of them, pinned, into the peer home (see
 * {@link PeerHome}); Debian packages land on the system {@code PATH}. Nothing of theirs is in this
 * repository.
 */
public enum Peer {
  COLLECTOR(
      Source.PEER_HOME,
      "bin/otelcol-infertrace",
      "OpenTelemetry Collector, built with OCB from collector-config/builder-config.yaml"),
  JAEGER(Source.PEER_HOME, "bin/jaeger", "Jaeger v2 (cmd/jaeger)"),
  HELM(
      Source.PEER_HOME,
      "bin/helm",
      "Helm 3 (helm.sh/helm/v3 cmd/helm), lints and renders the chart"),
  ETCD(Source.PEER_HOME, "bin/etcd", "etcd (go.etcd.io/etcd/server/v3), kube-apiserver's store"),
  KUBE_APISERVER(
      Source.PEER_HOME,
      "bin/kube-apiserver",
      "kube-apiserver (k8s.io/kubernetes cmd/kube-apiserver), admits pods through the webhook"),
  KUBE_CONTROLLER_MANAGER(
      Source.PEER_HOME,
      "bin/kube-controller-manager",
      "kube-controller-manager (k8s.io/kubernetes), turns Deployments into ReplicaSets and Pods"),
  OTEL_OPERATOR_CRDS(
      Source.PEER_HOME_FILE,
      "crds/opentelemetry-operator/opentelemetry.io_instrumentations.yaml",
      "the OpenTelemetry Operator's CRDs (its Go module's config/crd/bases), Instrumentation"),
  EPP(
      Source.PEER_HOME,
      "bin/epp",
      "the Endpoint Picker (sigs.k8s.io/gateway-api-inference-extension cmd/epp), on the API server"),
  INFERENCE_POOL_CRDS(
      Source.PEER_HOME_FILE,
      "crds/gateway-api-inference-extension/inference.networking.k8s.io_inferencepools.yaml",
      "the Gateway API Inference Extension's CRDs (its Go module's config/crd/bases), InferencePool"),
  INFERENCE_SIM(
      Source.PEER_HOME, "bin/llm-d-inference-sim", "llm-d-inference-sim, the llm-d vLLM simulator"),
  OPENAI_PYTHON(
      Source.PEER_HOME, "venv/bin/python", "Python venv with the OpenAI Python SDK (openai)"),
  LITELLM(Source.PEER_HOME, "litellm-venv/bin/litellm", "LiteLLM proxy (PyPI, its own venv)"),
  NGINX(Source.SYSTEM_PATH, "nginx", "nginx (Debian)"),
  HAPROXY(Source.SYSTEM_PATH, "haproxy", "HAProxy (Debian)"),
  PROMETHEUS(Source.SYSTEM_PATH, "prometheus", "Prometheus (Debian)"),
  WRK(Source.SYSTEM_PATH, "wrk", "wrk (Debian)"),
  CHROMIUM(
      Source.SYSTEM_PATH,
      "chromium",
      "Chromium (Debian), headless: opens the load report like a user's browser");

  /** Where a peer's executable is looked for. */
  enum Source {
    /** An executable relative to the peer home directory. */
    PEER_HOME,
    /** A data file (not an executable) relative to the peer home directory. */
    PEER_HOME_FILE,
    /** A command name searched on {@code PATH}, {@code /usr/sbin} and {@code /usr/bin}. */
    SYSTEM_PATH
  }

  private final Source source;
  private final String executable;
  private final String description;

  Peer(Source source, String executable, String description) {
    this.source = source;
    this.executable = executable;
    this.description = description;
  }

  Source source() {
    return source;
  }

  /**
   * The executable (or data file): a path relative to the peer home, or a command name on {@code
   * PATH}.
   */
  public String executable() {
    return executable;
  }

  /** What the peer is, for people. */
  public String description() {
    return description;
  }

  /** The name used on the command line and in {@code versions.txt}, e.g. {@code inference-sim}. */
  public String cliName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
