package dev.infertrace.proxy.config;

/**
 * Every built-in default of the proxy commands, written once. They are strings because picocli
 * annotations need constants in the form an operator writes ({@code "${env:X:-" + CONNECT_TIMEOUT +
 * "}"}); {@code ProxyConfig} parses the same strings, so a flag's help, the CLI and {@code
 * ProxyConfig.loopback} cannot disagree.
 */
public final class ProxyDefaults {
  private ProxyDefaults() {}

  /** Where the ingress listens. */
  public static final String INGRESS_LISTEN = "127.0.0.1:8080";

  /** Where the worker listens. */
  public static final String WORKER_LISTEN = "127.0.0.1:8081";

  /** Where the epp interposer listens for the gateway's ext_proc stream. */
  public static final String EPP_LISTEN = "127.0.0.1:9012";

  /** Upstream connect timeout; 502 after. */
  public static final String CONNECT_TIMEOUT = "5s";

  /** From forwarding a request to the upstream's response headers; 504 after. */
  public static final String RESPONSE_TIMEOUT = "60s";

  /** For a client to send its whole request; 408 after. */
  public static final String REQUEST_TIMEOUT = "30s";

  /** Idle keep-alive client connections close after. */
  public static final String IDLE_TIMEOUT = "60s";

  /** Largest request header block in bytes; 431 beyond. */
  public static final String MAX_HEADER_BYTES = "16384";

  /** Once a response has started, no byte relayed for this long cuts both connections. */
  public static final String STREAM_IDLE_TIMEOUT = "120s";

  /** Largest response header block from an upstream in bytes; 502 beyond. */
  public static final String UPSTREAM_MAX_HEADER_BYTES = "16384";

  /** The ingress as the gateway: the largest request body held for the EPP (8 MiB); 413 beyond. */
  public static final String EPP_MAX_BODY = "8388608";

  /** Request bodies up to this many bytes (1 MiB) are read for their shape. */
  public static final String SNIFF_LIMIT = "1048576";

  /** The trace file is rotated when it would grow over this many bytes (100 MiB). */
  public static final String TRACE_FILE_MAX_BYTES = "104857600";

  /** Rotated trace files kept beside the current one. */
  public static final String TRACE_FILE_KEEP = "2";

  /** Event-loop threads. */
  public static final String IO_THREADS = "1";

  /** The ingress as the gateway: how it acts when the EPP fails. */
  public static final String EPP_FAILURE = "closed";

  /** The ingress as the gateway: how long it waits for each EPP answer. */
  public static final String EPP_TIMEOUT = "2s";

  /** The worker's engine /metrics scrape period. */
  public static final String ENGINE_METRICS_INTERVAL = "100ms";

  /** The worker's DCGM scrape period. */
  public static final String DCGM_INTERVAL = "1s";

  /** The largest vLLM or DCGM metrics page the worker reads (16 MiB); larger ones fail. */
  public static final String SCRAPE_MAX_BYTES = "16777216";

  /** The worker's OTLP/gRPC receiver for vLLM's spans. */
  public static final String OTLP_RECEIVER = "127.0.0.1:4317";

  /** The worker's OTLP/HTTP receiver for vLLM's spans. */
  public static final String OTLP_RECEIVER_HTTP = "127.0.0.1:4318";

  /** How long the worker waits for vLLM's span before it emits stream-measured phases. */
  public static final String ENGINE_SPAN_WAIT = "15s";
}
