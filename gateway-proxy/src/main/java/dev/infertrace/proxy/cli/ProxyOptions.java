package dev.infertrace.proxy.cli;

import dev.infertrace.core.slo.SloTarget;
import dev.infertrace.proxy.config.ProxyDefaults;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options the HTTP proxy roles ({@code ingress}, {@code worker}) share, as a picocli mixin.
 * Each can also come from an environment variable ({@code INFERTRACE_<NAME>}) or the {@code
 * --config} file; the built-in defaults are {@link ProxyDefaults}. See {@code
 * src/docs/configuration.md}.
 */
public final class ProxyOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  // No defaultValue: the default differs by role, so listen(roleDefault) resolves it.
  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      description = "Where to listen (env INFERTRACE_LISTEN).")
  @Nullable
  InetSocketAddress listen;

  @Option(
      names = "--upstream",
      paramLabel = "URL",
      split = ",",
      defaultValue = "${env:INFERTRACE_UPSTREAM}",
      description =
          "Where requests go, http://host:port; several (comma-separated or repeated) are used"
              + " round-robin (env INFERTRACE_UPSTREAM).")
  @Nullable
  List<URI> upstreams;

  @Option(
      names = "--sniff-limit",
      defaultValue = "${env:INFERTRACE_SNIFF_LIMIT:-" + ProxyDefaults.SNIFF_LIMIT + "}",
      description =
          "Request bodies up to this many bytes are read for model, stream, max_tokens before"
              + " forwarding; larger ones stream through untraced by body (default: ${DEFAULT-VALUE}).")
  int sniffLimit;

  @Option(
      names = "--connect-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_CONNECT_TIMEOUT:-" + ProxyDefaults.CONNECT_TIMEOUT + "}",
      description = "Upstream connect timeout; 502 after (default: ${DEFAULT-VALUE}).")
  Duration connectTimeout;

  @Option(
      names = "--response-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_RESPONSE_TIMEOUT:-" + ProxyDefaults.RESPONSE_TIMEOUT + "}",
      description = "Upstream response-headers timeout; 504 after (default: ${DEFAULT-VALUE}).")
  Duration responseTimeout;

  @Option(
      names = "--request-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_REQUEST_TIMEOUT:-" + ProxyDefaults.REQUEST_TIMEOUT + "}",
      description = "Time for a client to send its request; 408 after (default: ${DEFAULT-VALUE}).")
  Duration requestTimeout;

  @Option(
      names = "--idle-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_IDLE_TIMEOUT:-" + ProxyDefaults.IDLE_TIMEOUT + "}",
      description = "Idle keep-alive client connections close after (default: ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(
      names = "--max-header-bytes",
      defaultValue = "${env:INFERTRACE_MAX_HEADER_BYTES:-" + ProxyDefaults.MAX_HEADER_BYTES + "}",
      description = "Largest request header block; 431 beyond (default: ${DEFAULT-VALUE}).")
  int maxHeaderBytes;

  @Option(
      names = "--stream-idle-timeout",
      converter = DurationConverter.class,
      defaultValue =
          "${env:INFERTRACE_STREAM_IDLE_TIMEOUT:-" + ProxyDefaults.STREAM_IDLE_TIMEOUT + "}",
      description =
          "Once a response has started, no byte relayed for this long cuts both connections"
              + " (default: ${DEFAULT-VALUE}).")
  Duration streamIdleTimeout;

  @Option(
      names = "--upstream-max-header-bytes",
      defaultValue =
          "${env:INFERTRACE_UPSTREAM_MAX_HEADER_BYTES:-"
              + ProxyDefaults.UPSTREAM_MAX_HEADER_BYTES
              + "}",
      description =
          "Largest response header block from an upstream; 502 beyond (default: ${DEFAULT-VALUE}).")
  int upstreamMaxHeaderBytes;

  @Option(
      names = "--metric-models",
      paramLabel = "MODEL[,MODEL...]",
      split = ",",
      defaultValue = "${env:INFERTRACE_METRIC_MODELS}",
      description =
          "The model label values kept on /metrics, others counted as 'other' (default: the"
              + " models the upstreams list on /v1/models; env INFERTRACE_METRIC_MODELS).")
  @Nullable
  List<String> metricModels;

  @Option(
      names = "--io-threads",
      defaultValue = "${env:INFERTRACE_IO_THREADS:-" + ProxyDefaults.IO_THREADS + "}",
      description = "Event-loop threads (default: ${DEFAULT-VALUE}).")
  int ioThreads;

  // Read before parsing by ProxyMain.configured; declared so that it is a known, documented flag.
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "YAML file of option values (keys are the long option names); flags and INFERTRACE_*"
              + " variables win over it (env INFERTRACE_CONFIG).")
  @Nullable
  Path configFile;

  @Option(
      names = "--slo",
      paramLabel = "MODEL=ttft:D,tpot:D",
      description =
          "Latency objective of a model (* for any), repeatable; x-llm-d-slo-ttft-ms and"
              + " x-llm-d-slo-tpot-ms request headers override it (env INFERTRACE_SLO, ';'-separated).")
  List<String> sloSpecs = new ArrayList<>();

  /** {@code --listen}, else {@code INFERTRACE_LISTEN}, else the role's default address. */
  public InetSocketAddress listen(String roleDefault) {
    if (listen != null) {
      return listen;
    }
    String env = System.getenv("INFERTRACE_LISTEN");
    return new AddressConverter().convert(env != null && !env.isBlank() ? env : roleDefault);
  }

  /** The upstreams given; empty when none were. */
  public List<URI> upstreams() {
    return upstreams == null ? List.of() : List.copyOf(upstreams);
  }

  public int sniffLimit() {
    return sniffLimit;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  public Duration responseTimeout() {
    return responseTimeout;
  }

  public Duration requestTimeout() {
    return requestTimeout;
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  public int maxHeaderBytes() {
    return maxHeaderBytes;
  }

  public Duration streamIdleTimeout() {
    return streamIdleTimeout;
  }

  public int upstreamMaxHeaderBytes() {
    return upstreamMaxHeaderBytes;
  }

  /** The {@code --metric-models} allow-list; empty when none was given. */
  public List<String> metricModels() {
    return metricModels == null
        ? List.of()
        : metricModels.stream().map(String::strip).filter(m -> !m.isEmpty()).toList();
  }

  public int ioThreads() {
    return ioThreads;
  }

  /**
   * The {@code --slo} objectives (else {@code INFERTRACE_SLO}'s) by model; a usage error naming the
   * spec that does not parse.
   */
  public Map<String, SloTarget> slos() {
    List<String> specs = new ArrayList<>(sloSpecs);
    String env = System.getenv("INFERTRACE_SLO");
    if (specs.isEmpty() && env != null && !env.isBlank()) {
      specs.addAll(List.of(env.split(";")));
    }
    Map<String, SloTarget> out = new HashMap<>();
    for (String spec :
        specs.stream()
            .flatMap(x -> Arrays.stream(x.split(";")))
            .filter(x -> !x.isBlank())
            .toList()) {
      try {
        var e = SloTarget.parse(spec.strip());
        out.put(e.getKey(), e.getValue());
      } catch (IllegalArgumentException ex) {
        throw new ParameterException(
            command.commandLine(), "--slo " + spec + ": " + ex.getMessage());
      }
    }
    return out;
  }
}
