package dev.infertrace.proxy.failure;

import static java.util.Objects.requireNonNull;

/**
 * One failure as it happened: its kind, the {@code error.type} it is reported under (the kind's
 * own, or a finer one such as {@code epp_permission_denied}) and a message for the client. The
 * message may name addresses and timeouts; it goes to the client and never to a span or a metric.
 */
public record Failure(ProxyFailure kind, String errorType, String message) {
  public Failure {
    requireNonNull(kind, "kind");
    requireNonNull(errorType, "errorType");
    requireNonNull(message, "message");
  }

  /** A failure reported under its kind's own {@code error.type}. */
  public static Failure of(ProxyFailure kind, String message) {
    return new Failure(kind, kind.errorType(), message);
  }
}
