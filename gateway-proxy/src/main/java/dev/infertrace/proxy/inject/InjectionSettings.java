package dev.infertrace.proxy.inject;

import java.util.Objects;
import java.util.Set;

/**
 * What the webhook puts into a pod when the pod's annotations do not say otherwise.
 *
 * @param image the sidecar's image (the {@code infertrace} image)
 * @param upstreamPort vLLM's port inside the pod
 * @param listenPort the sidecar's port, the one the InferencePool targets
 * @param adminPort the sidecar's /metrics, /health and /ready
 * @param otlpReceiverPort the sidecar's OTLP/gRPC receiver for vLLM's spans (loopback; the
 *     OTLP/HTTP one is the next port)
 * @param otlpEndpoint {@code OTEL_EXPORTER_OTLP_ENDPOINT} of the sidecar; may name {@code
 *     $(HOST_IP)} (the node's collector agent); empty: leave it to the image's defaults
 * @param dcgmPort dcgm-exporter's port on the node (reached at the downward API's host IP); 0: no
 *     DCGM scrape
 * @param cpuRequest the sidecar's CPU request, e.g. {@code 250m}
 * @param memoryRequest the sidecar's memory request, e.g. {@code 256Mi}
 * @param memoryLimit the sidecar's memory limit, e.g. {@code 512Mi}
 * @param excludedNamespaces namespaces never injected (kube-system and the webhook's own)
 */
public record InjectionSettings(
    String image,
    int upstreamPort,
    int listenPort,
    int adminPort,
    int otlpReceiverPort,
    String otlpEndpoint,
    int dcgmPort,
    String cpuRequest,
    String memoryRequest,
    String memoryLimit,
    Set<String> excludedNamespaces) {
  public InjectionSettings {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(otlpEndpoint, "otlpEndpoint");
    Objects.requireNonNull(cpuRequest, "cpuRequest");
    Objects.requireNonNull(memoryRequest, "memoryRequest");
    Objects.requireNonNull(memoryLimit, "memoryLimit");
    excludedNamespaces = Set.copyOf(excludedNamespaces);
    for (int port : new int[] {upstreamPort, listenPort, adminPort, otlpReceiverPort}) {
      checkPort(port);
    }
    if (dcgmPort != 0) {
      checkPort(dcgmPort);
    }
  }

  private static void checkPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not in 1..65535");
    }
  }
}
