package dev.infertrace.proxy.http;

/**
 * Where one exchange is, in order; it only moves forward. The request body may still be arriving in
 * any phase before {@link #DONE} (see {@link RequestBody#complete()}): the two directions are
 * independent.
 */
enum Phase {
  /** The head arrived; the body is buffered up to the sniff limit (or whole, for the EPP). */
  RECEIVING,
  /** The gateway asks the EPP where the request goes; the body keeps buffering. */
  ROUTING,
  /** Connecting to the upstream, or taking a pooled connection; the body keeps buffering. */
  CONNECTING,
  /** The request went upstream (the rest of its body follows as it comes); no response yet. */
  WAITING,
  /** The response head arrived; its body is being relayed. */
  STREAMING,
  /**
   * The upstream's response is whole and its connection released; the last part is on its way to
   * the client, and the exchange ends when the client's connection has taken it (a slow reader
   * holds it here, in {@code client.slow_read}, not after the span).
   */
  DELIVERING,
  /** Over: answered, failed, refused or abandoned; spans ended, the upstream released. */
  DONE;

  /** True while the request is still held here, before an upstream connection carries it. */
  boolean buffering() {
    return compareTo(WAITING) < 0;
  }
}
