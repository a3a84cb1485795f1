package dev.infertrace.proxy.config;

/** Where a proxy instance sits, which decides the spans it makes. */
public enum Role {
  /** In front of the gateway: SERVER span for the client's request, CLIENT span to the gateway. */
  INGRESS,
  /** Sidecar in front of one vLLM server: SERVER span plus phase spans. */
  WORKER;

  /** {@code ingress} or {@code worker}. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
