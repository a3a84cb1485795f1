package dev.infertrace.proxy.inject;

/** The annotations and the namespace label that steer injection (src/docs/kubernetes.md). */
public final class InjectAnnotations {
  /** Pod annotation: {@code "true"} asks for the sidecar, {@code "false"} opts the pod out. */
  public static final String INJECT = "infertrace.io/inject";

  /** Namespace label: {@code enabled} injects every pod of the namespace that does not opt out. */
  public static final String NAMESPACE_LABEL = "infertrace.io/injection";

  /** Written by the webhook on an injected pod; its presence makes re-invocation a no-op. */
  public static final String STATUS = "infertrace.io/status";

  /**
   * The name of the vLLM container (default: the one exposing the upstream port, else the first).
   */
  public static final String CONTAINER = "infertrace.io/container";

  /** vLLM's port inside the pod (default: the webhook's {@code --upstream-port}, 8000). */
  public static final String UPSTREAM_PORT = "infertrace.io/upstream-port";

  /** The sidecar's listen port, the one the InferencePool / Service targets (default 8081). */
  public static final String LISTEN_PORT = "infertrace.io/listen-port";

  /** {@code "false"}: leave vLLM's command line alone (no {@code --otlp-traces-endpoint}). */
  public static final String ENGINE_TRACING = "infertrace.io/engine-tracing";

  /** The name of the injected init container. */
  public static final String SIDECAR_NAME = "infertrace-worker";

  private InjectAnnotations() {}
}
