package dev.infertrace.proxy;

import dev.infertrace.core.slo.SloTarget;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One proxy instance. See {@code src/docs/configuration.md} for every option's flag, environment
 * variable and default.
 *
 * @param upstreams where requests go; more than one are used round-robin
 * @param sniffLimitBytes request bodies up to this size are read for their shape before they are
 *     forwarded; larger ones stream through untouched and are traced without body attributes
 * @param connectTimeout to establish an upstream connection (502 after)
 * @param responseTimeout from forwarding a request to the upstream's response headers (504 after)
 * @param requestTimeout for a client to send its whole request (408 after)
 * @param idleTimeout keep-alive connections idle this long are closed
 * @param ioThreads event-loop threads
 * @param slos latency objectives by model ({@code *}: any model); request headers override them
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
    Map<String, SloTarget> slos) {

  public static final int DEFAULT_SNIFF_LIMIT = 1024 * 1024;

  public ProxyConfig {
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
    if (ioThreads < 1) {
      throw new IllegalArgumentException("--io-threads must be >= 1, got " + ioThreads);
    }
  }

  /** Defaults for a role on a loopback port (0: any free one), for tests and the demo. */
  public static ProxyConfig loopback(Role role, List<URI> upstreams) {
    return new ProxyConfig(
        role,
        new InetSocketAddress("127.0.0.1", 0),
        upstreams,
        DEFAULT_SNIFF_LIMIT,
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        16 * 1024,
        1,
        Map.of());
  }

  /** This configuration with other upstreams. */
  public ProxyConfig withUpstreams(List<URI> upstreams) {
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
        slos);
  }

  /** This configuration with other response and request timeouts. */
  public ProxyConfig withTimeouts(Duration responseTimeout, Duration requestTimeout) {
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
        slos);
  }

  /** This configuration with latency objectives. */
  public ProxyConfig withSlos(Map<String, SloTarget> slos) {
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
        slos);
  }
}
