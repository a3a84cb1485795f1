package dev.infertrace.proxy.config;

import static java.util.Objects.requireNonNull;

import dev.infertrace.core.slo.SloTarget;
import dev.infertrace.proxy.cli.DurationConverter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One proxy instance. See {@code src/docs/configuration.md} for every option's flag, environment
 * variable and default; the defaults themselves are in {@link ProxyDefaults}.
 *
 * @param upstreams where requests go; more than one are used round-robin
 * @param sniffLimitBytes request bodies up to this size are read for their shape before they are
 *     forwarded; larger ones stream through untouched and are traced without body attributes
 * @param connectTimeout to establish an upstream connection (502 after)
 * @param responseTimeout from forwarding a request to the upstream's response headers (504 after)
 * @param requestTimeout for a client to send its whole request (408 after)
 * @param idleTimeout keep-alive connections idle this long are closed
 * @param maxHeaderBytes largest request header block (431 beyond)
 * @param ioThreads event-loop threads
 * @param slos latency objectives by model ({@code *}: any model); request headers override them
 * @param streamIdleTimeout once the response has started, no byte relayed for this long cuts both
 *     connections
 * @param upstreamMaxHeaderBytes largest response header block from an upstream (502 beyond)
 * @param eppMaxBodyBytes as the gateway ({@code --epp}): the largest request body held for the EPP
 *     (413 beyond)
 * @param metricModels the {@code model} label values kept on {@code /metrics} (others: {@code
 *     other}); empty: the models the upstreams serve ({@code /v1/models})
 */
public record ProxyConfig(
    Role role,
    InetSocketAddress listen,
    List<URI> upstreams,
    int sniffLimitBytes,
    Duration connectTimeout,
    Duration responseTimeout,
    Duration requestTimeout,
    Duration idleTimeout,
    int maxHeaderBytes,
    int ioThreads,
    Map<String, SloTarget> slos,
    Duration streamIdleTimeout,
    int upstreamMaxHeaderBytes,
    int eppMaxBodyBytes,
    List<String> metricModels) {

  /** {@link ProxyDefaults#SNIFF_LIMIT} as a number: 1 MiB. */
  public static final int DEFAULT_SNIFF_LIMIT = Integer.parseInt(ProxyDefaults.SNIFF_LIMIT);

  public ProxyConfig {
    requireNonNull(role, "role");
    requireNonNull(listen, "listen");
    requireNonNull(connectTimeout, "connectTimeout");
    requireNonNull(responseTimeout, "responseTimeout");
    requireNonNull(requestTimeout, "requestTimeout");
    requireNonNull(idleTimeout, "idleTimeout");
    requireNonNull(streamIdleTimeout, "streamIdleTimeout");
    metricModels = List.copyOf(metricModels);
    upstreams = List.copyOf(upstreams);
    slos = Map.copyOf(slos);
    if (upstreams.isEmpty()) {
      throw new IllegalArgumentException("--upstream is required");
    }
    for (URI u : upstreams) {
      if (!"http".equals(u.getScheme()) || u.getHost() == null) {
        throw new IllegalArgumentException(
            "--upstream must be an http://host:port URL, got '" + u + "'");
      }
    }
    if (sniffLimitBytes < 0) {
      throw new IllegalArgumentException("--sniff-limit must be >= 0, got " + sniffLimitBytes);
    }
    positive("--max-header-bytes", maxHeaderBytes);
    positive("--upstream-max-header-bytes", upstreamMaxHeaderBytes);
    positive("--epp-max-body", eppMaxBodyBytes);
    if (streamIdleTimeout.isNegative() || streamIdleTimeout.isZero()) {
      throw new IllegalArgumentException(
          "--stream-idle-timeout must be > 0, got " + streamIdleTimeout.toMillis() + "ms");
    }
    if (ioThreads < 1) {
      throw new IllegalArgumentException("--io-threads must be >= 1, got " + ioThreads);
    }
  }

  private static void positive(String flag, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(flag + " must be >= 1, got " + value);
    }
  }

  /** The defaults of {@link ProxyDefaults} for a role, listening on any free loopback port. */
  public static Builder builder(Role role, List<URI> upstreams) {
    return new Builder(role, upstreams);
  }

  /** Defaults for a role on a loopback port (0: any free one), for tests and the demo. */
  public static ProxyConfig loopback(Role role, List<URI> upstreams) {
    return builder(role, upstreams).build();
  }

  /** A builder holding this configuration's values, to change some of them. */
  public Builder toBuilder() {
    return new Builder(role, upstreams)
        .listen(listen)
        .sniffLimitBytes(sniffLimitBytes)
        .connectTimeout(connectTimeout)
        .responseTimeout(responseTimeout)
        .requestTimeout(requestTimeout)
        .idleTimeout(idleTimeout)
        .maxHeaderBytes(maxHeaderBytes)
        .ioThreads(ioThreads)
        .slos(slos)
        .streamIdleTimeout(streamIdleTimeout)
        .upstreamMaxHeaderBytes(upstreamMaxHeaderBytes)
        .eppMaxBodyBytes(eppMaxBodyBytes)
        .metricModels(metricModels);
  }

  /** Builds a {@link ProxyConfig}; {@link #build()} validates and names the offending flag. */
  public static final class Builder {
    private final Role role;
    private List<URI> upstreams;
    private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
    private int sniffLimitBytes = DEFAULT_SNIFF_LIMIT;
    private Duration connectTimeout = DurationConverter.parse(ProxyDefaults.CONNECT_TIMEOUT);
    private Duration responseTimeout = DurationConverter.parse(ProxyDefaults.RESPONSE_TIMEOUT);
    private Duration requestTimeout = DurationConverter.parse(ProxyDefaults.REQUEST_TIMEOUT);
    private Duration idleTimeout = DurationConverter.parse(ProxyDefaults.IDLE_TIMEOUT);
    private int maxHeaderBytes = Integer.parseInt(ProxyDefaults.MAX_HEADER_BYTES);
    private int ioThreads = Integer.parseInt(ProxyDefaults.IO_THREADS);
    private Map<String, SloTarget> slos = Map.of();
    private Duration streamIdleTimeout = DurationConverter.parse(ProxyDefaults.STREAM_IDLE_TIMEOUT);
    private int upstreamMaxHeaderBytes = Integer.parseInt(ProxyDefaults.UPSTREAM_MAX_HEADER_BYTES);
    private int eppMaxBodyBytes = Integer.parseInt(ProxyDefaults.EPP_MAX_BODY);
    private List<String> metricModels = List.of();

    private Builder(Role role, List<URI> upstreams) {
      this.role = requireNonNull(role, "role");
      this.upstreams = requireNonNull(upstreams, "upstreams");
    }

    public Builder upstreams(List<URI> upstreams) {
      this.upstreams = requireNonNull(upstreams, "upstreams");
      return this;
    }

    /** Default: 127.0.0.1 port 0 (any free port). */
    public Builder listen(InetSocketAddress listen) {
      this.listen = requireNonNull(listen, "listen");
      return this;
    }

    public Builder sniffLimitBytes(int bytes) {
      this.sniffLimitBytes = bytes;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = requireNonNull(timeout, "connectTimeout");
      return this;
    }

    public Builder responseTimeout(Duration timeout) {
      this.responseTimeout = requireNonNull(timeout, "responseTimeout");
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = requireNonNull(timeout, "requestTimeout");
      return this;
    }

    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = requireNonNull(timeout, "idleTimeout");
      return this;
    }

    public Builder maxHeaderBytes(int bytes) {
      this.maxHeaderBytes = bytes;
      return this;
    }

    public Builder ioThreads(int threads) {
      this.ioThreads = threads;
      return this;
    }

    public Builder slos(Map<String, SloTarget> slos) {
      this.slos = requireNonNull(slos, "slos");
      return this;
    }

    public Builder streamIdleTimeout(Duration timeout) {
      this.streamIdleTimeout = requireNonNull(timeout, "streamIdleTimeout");
      return this;
    }

    public Builder upstreamMaxHeaderBytes(int bytes) {
      this.upstreamMaxHeaderBytes = bytes;
      return this;
    }

    public Builder eppMaxBodyBytes(int bytes) {
      this.eppMaxBodyBytes = bytes;
      return this;
    }

    /** The allow-list of {@code model} label values; empty (the default): the served models. */
    public Builder metricModels(List<String> models) {
      this.metricModels = requireNonNull(models, "metricModels");
      return this;
    }

    /** Throws {@link IllegalArgumentException} naming the flag of a value out of range. */
    public ProxyConfig build() {
      return new ProxyConfig(
          role,
          listen,
          upstreams,
          sniffLimitBytes,
          connectTimeout,
          responseTimeout,
          requestTimeout,
          idleTimeout,
          maxHeaderBytes,
          ioThreads,
          slos,
          streamIdleTimeout,
          upstreamMaxHeaderBytes,
          eppMaxBodyBytes,
          metricModels);
    }
  }
}
