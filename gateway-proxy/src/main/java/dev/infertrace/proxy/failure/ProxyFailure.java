package dev.infertrace.proxy.failure;

import java.util.Locale;

/**
 * Every way a proxied request can fail at the proxy, each with the HTTP status the client gets, the
 * OpenAI error {@code type} of that answer (also the span's {@code error.type}) and the {@code
 * kind} label of {@code infertrace_proxy_errors_total}. The one place these names are written.
 */
public enum ProxyFailure {
  /** The upstream refused the connection, or closed it before answering. */
  UPSTREAM_UNAVAILABLE(502, "upstream_unavailable", "upstream_unavailable"),
  /** No response headers within the response timeout. */
  UPSTREAM_TIMEOUT(504, "upstream_timeout", "upstream_timeout"),
  /** The upstream's response head could not be read: malformed, or over the header size limit. */
  UPSTREAM_INVALID_RESPONSE(502, "upstream_invalid_response", "upstream_invalid_response"),
  /** Once the response had started, no byte was relayed within the stream idle timeout. */
  STREAM_IDLE_TIMEOUT(504, "stream_idle_timeout", "stream_idle_timeout"),
  /** The upstream closed the connection in the middle of a response (the status is gone). */
  UPSTREAM_RESET(502, "upstream_reset", "upstream_reset"),
  /** The client did not send its whole request in time. */
  REQUEST_TIMEOUT(408, "request_timeout", "request_timeout"),
  /** The request is not HTTP the proxy can read (400; 414 and 431 for an over-long line, head). */
  INVALID_REQUEST(400, "invalid_request", "invalid_request"),
  /** The body is larger than the gateway buffers for the EPP. */
  REQUEST_TOO_LARGE(413, "request_too_large", "invalid_request"),
  /** The EPP could not be reached. */
  EPP_UNAVAILABLE(503, "epp_unavailable", "epp_failure"),
  /** The EPP closed the stream without a routing answer. */
  EPP_CLOSED(503, "epp_closed", "epp_failure"),
  /** The EPP sent no routing answer in time. */
  EPP_TIMEOUT(503, "epp_timeout", "epp_failure"),
  /** The EPP answered without naming a destination. */
  EPP_NO_DESTINATION(503, "epp_no_destination", "epp_failure"),
  /**
   * The EPP failed the stream with another gRPC status: {@code epp_<code>}, see {@link #eppStatus}.
   */
  EPP_FAILED(503, "epp_failed", "epp_failure"),
  /** The EPP named a destination that is not {@code ip:port}. */
  EPP_BAD_DESTINATION(502, "epp_bad_destination", "epp_failure");

  /**
   * The {@code kind} label of requests the client abandoned: counted beside the failures, though
   * not one of the proxy's.
   */
  public static final String CANCELLED_LABEL = "cancelled";

  private static final java.util.List<String> LABELS =
      java.util.Arrays.stream(values()).map(ProxyFailure::metricLabel).distinct().toList();

  private final int status;
  private final String errorType;
  private final String metricLabel;

  ProxyFailure(int status, String errorType, String metricLabel) {
    this.status = status;
    this.errorType = errorType;
    this.metricLabel = metricLabel;
  }

  /** The HTTP status the client is answered with (when the response has not started). */
  public int status() {
    return status;
  }

  /** The OpenAI error {@code type} of the answer, and the span's {@code error.type}. */
  public String errorType() {
    return errorType;
  }

  /** The {@code kind} label of {@code infertrace_proxy_errors_total} it is counted under. */
  public String metricLabel() {
    return metricLabel;
  }

  /** The distinct {@code kind} labels, in declaration order. */
  public static java.util.List<String> metricLabels() {
    return LABELS;
  }

  /**
   * The {@code error.type} of an EPP stream failed with gRPC status {@code code} (e.g. {@code
   * PERMISSION_DENIED} → {@code epp_permission_denied}), as {@link #EPP_FAILED} carries it.
   */
  public static String eppStatus(String code) {
    return "epp_" + code.toLowerCase(Locale.ROOT);
  }
}
