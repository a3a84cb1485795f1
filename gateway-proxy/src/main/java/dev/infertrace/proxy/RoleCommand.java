package dev.infertrace.proxy;

import dev.infertrace.proxy.admin.AdminServer;
import dev.infertrace.proxy.cli.AddressConverter;
import dev.infertrace.proxy.cli.DurationConverter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options every proxy role shares. Each option can also come from an environment variable
 * ({@code INFERTRACE_<NAME>}); see {@code src/docs/configuration.md}.
 */
abstract class RoleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      description = "Where to listen (env INFERTRACE_LISTEN).")
  InetSocketAddress listen;

  @Option(
      names = "--upstream",
      paramLabel = "URL",
      split = ",",
      defaultValue = "${env:INFERTRACE_UPSTREAM}",
      description =
          "Where requests go, http://host:port; several (comma-separated or repeated) are used"
              + " round-robin (env INFERTRACE_UPSTREAM).")
  List<URI> upstreams;

  @Option(
      names = "--trace-file",
      paramLabel = "PATH",
      defaultValue = "${env:INFERTRACE_TRACE_FILE}",
      description =
          "Write spans to this file as OTLP JSON lines instead of exporting them with the OTEL_*"
              + " settings (env INFERTRACE_TRACE_FILE). The default when no OTEL_EXPORTER_OTLP_*"
              + " endpoint or OTEL_TRACES_EXPORTER is set: ./infertrace-<role>-traces.jsonl.")
  Path traceFile;

  @Option(
      names = "--sniff-limit",
      defaultValue = "${env:INFERTRACE_SNIFF_LIMIT:-1048576}",
      description =
          "Request bodies up to this many bytes are read for model, stream, max_tokens before"
              + " forwarding; larger ones stream through untraced by body (default: ${DEFAULT-VALUE}).")
  int sniffLimit;

  @Option(
      names = "--connect-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_CONNECT_TIMEOUT:-5s}",
      description = "Upstream connect timeout; 502 after (default: ${DEFAULT-VALUE}).")
  Duration connectTimeout;

  @Option(
      names = "--response-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_RESPONSE_TIMEOUT:-60s}",
      description = "Upstream response-headers timeout; 504 after (default: ${DEFAULT-VALUE}).")
  Duration responseTimeout;

  @Option(
      names = "--request-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_REQUEST_TIMEOUT:-30s}",
      description = "Time for a client to send its request; 408 after (default: ${DEFAULT-VALUE}).")
  Duration requestTimeout;

  @Option(
      names = "--idle-timeout",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_IDLE_TIMEOUT:-60s}",
      description = "Idle keep-alive client connections close after (default: ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(
      names = "--max-header-bytes",
      defaultValue = "${env:INFERTRACE_MAX_HEADER_BYTES:-16384}",
      description = "Largest request header block; 431 beyond (default: ${DEFAULT-VALUE}).")
  int maxHeaderBytes;

  @Option(
      names = "--io-threads",
      defaultValue = "${env:INFERTRACE_IO_THREADS:-1}",
      description = "Event-loop threads (default: ${DEFAULT-VALUE}).")
  int ioThreads;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "YAML file of option values (keys are the long option names); flags and INFERTRACE_*"
              + " variables win over it (env INFERTRACE_CONFIG).")
  Path configFile;

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      defaultValue = "${env:INFERTRACE_ADMIN}",
      description =
          "Serve /metrics (OpenMetrics with trace exemplars), /health and /ready here"
              + " (env INFERTRACE_ADMIN; off by default).")
  InetSocketAddress admin;

  @Option(
      names = "--slo",
      paramLabel = "MODEL=ttft:D,tpot:D",
      description =
          "Latency objective of a model (* for any), repeatable; x-llm-d-slo-ttft-ms and"
              + " x-llm-d-slo-tpot-ms request headers override it (env INFERTRACE_SLO, ';'-separated).")
  List<String> sloSpecs = new java.util.ArrayList<>();

  java.util.Map<String, dev.infertrace.core.slo.SloTarget> slos() {
    List<String> specs = new java.util.ArrayList<>(sloSpecs);
    String env = System.getenv("INFERTRACE_SLO");
    if (specs.isEmpty() && env != null && !env.isBlank()) {
      specs.addAll(List.of(env.split(";")));
    }
    java.util.Map<String, dev.infertrace.core.slo.SloTarget> out = new java.util.HashMap<>();
    for (String spec :
        specs.stream()
            .flatMap(x -> java.util.Arrays.stream(x.split(";")))
            .filter(x -> !x.isBlank())
            .toList()) {
      try {
        var e = dev.infertrace.core.slo.SloTarget.parse(spec.strip());
        out.put(e.getKey(), e.getValue());
      } catch (IllegalArgumentException ex) {
        throw new ParameterException(
            spec().commandLine(), "--slo " + spec + ": " + ex.getMessage());
      }
    }
    return out;
  }

  CommandSpec spec() {
    return spec;
  }

  /** The ingress's EPP client when it acts as the gateway; none otherwise. */
  dev.infertrace.proxy.epp.EppClient eppClient() {
    return null;
  }

  /** Closes what {@link #enginePhases} opened. */
  void closeReceivers() {}

  /** The worker's engine and GPU scrapers; none for the ingress. */
  dev.infertrace.proxy.state.WorkerState workerState(ProxyConfig config) {
    return null;
  }

  /** The worker's exact-phase matcher and its OTLP receiver; none for the ingress. */
  dev.infertrace.proxy.engine.EnginePhases enginePhases(
      OpenTelemetrySdk otel,
      io.opentelemetry.sdk.trace.export.SpanExporter relay,
      dev.infertrace.proxy.state.WorkerState state)
      throws Exception {
    return null;
  }

  /** True when the OTEL_* environment names an exporter or an endpoint. */
  static boolean collectorConfigured() {
    for (String name :
        List.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_TRACES_EXPORTER")) {
      String v = System.getenv(name);
      if (v != null && !v.isBlank()) {
        return true;
      }
    }
    return false;
  }

  abstract Role role();

  abstract String defaultListen();

  @Override
  public Integer call() throws Exception {
    try {
      dev.infertrace.proxy.http.Transport.fromEnvironment(); // named here, before anything starts
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    InetSocketAddress address = listen;
    if (address == null) {
      String env = System.getenv("INFERTRACE_LISTEN");
      address =
          new AddressConverter().convert(env != null && !env.isBlank() ? env : defaultListen());
    }
    dev.infertrace.proxy.epp.EppClient epp = eppClient();
    if (epp != null && (upstreams == null || upstreams.isEmpty())) {
      // As the gateway, the EPP picks; the endpoints file is the configured set of upstreams.
      upstreams = epp.endpointUris();
    }
    if (upstreams == null || upstreams.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "--upstream is required (or INFERTRACE_UPSTREAM, or upstream: in --config)");
    }
    ProxyConfig config;
    try {
      config =
          new ProxyConfig(
              role(),
              address,
              upstreams,
              sniffLimit,
              connectTimeout,
              responseTimeout,
              requestTimeout,
              idleTimeout,
              maxHeaderBytes,
              ioThreads,
              slos());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (traceFile == null && !collectorConfigured()) {
      // No collector configured: the embedded default is a local trace file.
      traceFile = Path.of("infertrace-" + role().wireName() + "-traces.jsonl");
    }
    ProxyTelemetry.Telemetry telemetry = ProxyTelemetry.create(role(), traceFile);
    OpenTelemetrySdk otel = telemetry.sdk();
    ProxyServer server;
    AdminServer adminServer = null;
    dev.infertrace.proxy.state.WorkerState workerState = null;
    dev.infertrace.proxy.engine.EnginePhases engine = null;
    try {
      workerState = workerState(config);
      engine = enginePhases(otel, telemetry.counts(), workerState);
      server =
          ProxyServer.start(
              config,
              otel,
              telemetry.counts()::exported,
              telemetry.counts()::failed,
              workerState,
              engine,
              epp);
      if (admin != null) {
        adminServer = AdminServer.start(admin, server);
      }
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) { // a bind failure arrives as an unchecked-thrown BindException
      if (workerState != null) {
        workerState.close();
      }
      if (engine != null) {
        engine.close();
      }
      closeReceivers();
      otel.close();
      throw new ParameterException(
          spec.commandLine(), "cannot listen on " + address + ": " + e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    AdminServer adminToClose = adminServer;
    dev.infertrace.proxy.state.WorkerState stateToClose = workerState;
    dev.infertrace.proxy.engine.EnginePhases engineToClose = engine;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (adminToClose != null) {
                    adminToClose.close();
                  }
                  server.close();
                  closeReceivers();
                  if (engineToClose != null) {
                    engineToClose.close();
                  }
                  if (stateToClose != null) {
                    stateToClose.close();
                  }
                  otel.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
                  stopped.countDown();
                },
                "proxy-shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "%s: listening on %s (%s), %s, spans to %s%n",
        role().wireName(),
        server.baseUrl(),
        server.transport().wireName(),
        epp != null
            ? "EPP "
                + epp.address().getHostString()
                + ":"
                + epp.address().getPort()
                + " picks among "
                + upstreams
                + " (fail "
                + epp.failureMode().name().toLowerCase(java.util.Locale.ROOT)
                + ")"
            : "upstream " + upstreams,
        traceFile != null ? traceFile : "OTLP (OTEL_* settings)");
    out.flush();
    stopped.await();
    return 0;
  }

  @Command(
      name = "ingress",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Tracing reverse proxy in front of the inference gateway: a SERVER span per request with",
        "the client's view (time to first token, inter-token latency, tokens, finish reason) and",
        "a CLIENT span to the gateway, W3C trace context passed on.",
        "With --epp it is the gateway itself: it asks the Endpoint Picker over Envoy's ext_proc",
        "protocol where each request goes and sends it there."
      })
  static final class Ingress extends RoleCommand {
    @Option(
        names = "--epp",
        paramLabel = "HOST:PORT",
        converter = AddressConverter.class,
        defaultValue = "${env:INFERTRACE_EPP}",
        description = {
          "Act as the gateway: an Envoy ext_proc client of this Endpoint Picker (request headers",
          "and body FULL_DUPLEX_STREAMED, header mutations applied, immediate responses answered,",
          "response headers and body sent to it), routing to the endpoint it picks",
          "(x-gateway-destination-endpoint). Needs --endpoints. (env INFERTRACE_EPP)"
        })
    InetSocketAddress epp;

    @Option(
        names = "--endpoints",
        paramLabel = "FILE",
        defaultValue = "${env:INFERTRACE_ENDPOINTS}",
        description = {
          "The endpoints file in llm-d's file-discovery format (endpoints: [{name, address,",
          "port}]), the same file the EPP reads; used when the EPP fails open."
        })
    Path endpoints;

    @Option(
        names = "--epp-failure",
        paramLabel = "open|closed",
        defaultValue = "${env:INFERTRACE_EPP_FAILURE:-closed}",
        description = {
          "When the EPP is down, fails the stream or does not answer in time: 'open' sends the",
          "request round-robin over the endpoints file (span event epp.fail_open), 'closed'",
          "answers 503 (default: ${DEFAULT-VALUE}, as Envoy's failure_mode_allow: false)."
        })
    String eppFailure;

    @Option(
        names = "--epp-timeout",
        paramLabel = "DURATION",
        converter = dev.infertrace.proxy.cli.DurationConverter.class,
        defaultValue = "${env:INFERTRACE_EPP_TIMEOUT:-2s}",
        description = {
          "How long to wait for each EPP answer (the routing answer, the response-headers",
          "answer); Envoy's message_timeout (its default is 200ms; EPPs that queue need more)",
          "(default: ${DEFAULT-VALUE})."
        })
    java.time.Duration eppTimeout;

    @Override
    dev.infertrace.proxy.epp.EppClient eppClient() {
      if (epp == null) {
        if (endpoints != null) {
          throw new ParameterException(spec().commandLine(), "--endpoints needs --epp HOST:PORT");
        }
        return null;
      }
      if (endpoints == null) {
        throw new ParameterException(
            spec().commandLine(), "--epp needs --endpoints FILE (llm-d file-discovery format)");
      }
      dev.infertrace.proxy.epp.EppClient.FailureMode mode =
          switch (eppFailure.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "open" -> dev.infertrace.proxy.epp.EppClient.FailureMode.OPEN;
            case "closed" -> dev.infertrace.proxy.epp.EppClient.FailureMode.CLOSED;
            default ->
                throw new ParameterException(
                    spec().commandLine(),
                    "--epp-failure must be 'open' or 'closed', not '" + eppFailure + "'");
          };
      try {
        return new dev.infertrace.proxy.epp.EppClient(
            epp, dev.infertrace.proxy.epp.Endpoint.read(endpoints), mode, eppTimeout);
      } catch (java.io.IOException | IllegalArgumentException e) {
        throw new ParameterException(spec().commandLine(), e.getMessage());
      }
    }

    @Override
    Role role() {
      return Role.INGRESS;
    }

    @Override
    String defaultListen() {
      return "127.0.0.1:8080";
    }
  }

  @Command(
      name = "worker",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Tracing sidecar in front of one vLLM server: a SERVER span per request with the",
        "worker's view and phase spans llm.first_token_wait and llm.decode measured from the",
        "stream."
      })
  static final class Worker extends RoleCommand {
    @Option(
        names = "--engine-metrics",
        paramLabel = "URL|off",
        defaultValue = "${env:INFERTRACE_ENGINE_METRICS}",
        description =
            "vLLM's /metrics, scraped for queue and KV-cache state (default: the upstream's"
                + " /metrics; off to disable; env INFERTRACE_ENGINE_METRICS).")
    String engineMetrics;

    @Option(
        names = "--engine-metrics-interval",
        converter = DurationConverter.class,
        defaultValue = "${env:INFERTRACE_ENGINE_METRICS_INTERVAL:-100ms}",
        description = "How often (default: ${DEFAULT-VALUE}).")
    Duration engineInterval;

    @Option(
        names = "--dcgm",
        paramLabel = "URL",
        defaultValue = "${env:INFERTRACE_DCGM}",
        description = "The DCGM exporter's /metrics (off by default; env INFERTRACE_DCGM).")
    URI dcgm;

    @Option(
        names = "--dcgm-interval",
        converter = DurationConverter.class,
        defaultValue = "${env:INFERTRACE_DCGM_INTERVAL:-1s}",
        description = "How often (default: ${DEFAULT-VALUE}).")
    Duration dcgmInterval;

    @Option(
        names = "--pod",
        defaultValue = "${env:POD_NAME}",
        description = "Keep the DCGM series of this pod (default: $POD_NAME).")
    String pod;

    @Option(
        names = "--namespace",
        defaultValue = "${env:POD_NAMESPACE}",
        description = "... in this namespace (default: $POD_NAMESPACE).")
    String namespace;

    @Option(
        names = "--gpu-uuids",
        split = ",",
        defaultValue = "${env:NVIDIA_VISIBLE_DEVICES}",
        description =
            "Keep the DCGM series of these GPU UUIDs (wins over --pod; default:"
                + " $NVIDIA_VISIBLE_DEVICES when it lists UUIDs).")
    List<String> gpuUuids;

    @Option(
        names = "--otlp-receiver",
        paramLabel = "HOST:PORT|off",
        defaultValue = "${env:INFERTRACE_OTLP_RECEIVER:-127.0.0.1:4317}",
        description =
            "OTLP/gRPC receiver for vLLM's --otlp-traces-endpoint: its llm_request spans give exact"
                + " queue/prefill/decode phases (default: ${DEFAULT-VALUE}; off to disable).")
    String otlpReceiver;

    @Option(
        names = "--otlp-receiver-http",
        paramLabel = "HOST:PORT",
        defaultValue = "${env:INFERTRACE_OTLP_RECEIVER_HTTP:-127.0.0.1:4318}",
        description = "OTLP/HTTP receiver, the same for http/protobuf (default: ${DEFAULT-VALUE}).")
    String otlpReceiverHttp;

    @Option(
        names = "--otlp-receiver-any-peer",
        description = "Accept spans from non-loopback peers too (default: loopback only).")
    boolean anyPeer;

    @Option(
        names = "--engine-span-wait",
        converter = DurationConverter.class,
        defaultValue = "${env:INFERTRACE_ENGINE_SPAN_WAIT:-15s}",
        description =
            "How long to wait for vLLM's span before emitting stream-measured phases instead"
                + " (default: ${DEFAULT-VALUE}).")
    Duration engineSpanWait;

    private dev.infertrace.proxy.otlp.OtlpReceiver receiver;

    @Override
    void closeReceivers() {
      if (receiver != null) {
        receiver.close();
        receiver = null;
      }
    }

    @Override
    dev.infertrace.proxy.engine.EnginePhases enginePhases(
        OpenTelemetrySdk otel,
        io.opentelemetry.sdk.trace.export.SpanExporter relay,
        dev.infertrace.proxy.state.WorkerState state)
        throws Exception {
      if ("off".equals(otlpReceiver)) {
        return null;
      }
      dev.infertrace.proxy.engine.EnginePhases engine =
          new dev.infertrace.proxy.engine.EnginePhases(
              otel.getTracer("dev.infertrace.proxy"),
              relay,
              engineSpanWait,
              10_000,
              state,
              java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                  r -> {
                    Thread t = new Thread(r, "engine-phases");
                    t.setDaemon(true);
                    return t;
                  }));
      AddressConverter address = new AddressConverter();
      receiver =
          dev.infertrace.proxy.otlp.OtlpReceiver.start(
              address.convert(otlpReceiver), address.convert(otlpReceiverHttp), engine, !anyPeer);
      spec.commandLine()
          .getOut()
          .printf(
              "worker: OTLP receiver for vLLM's spans on %s (gRPC) and %s (HTTP)%n",
              otlpReceiver, otlpReceiverHttp);
      return engine;
    }

    @Option(
        names = "--dcgm-field",
        paramLabel = "NEW=KNOWN",
        description =
            "Read a DCGM field under another name, e.g. DCGM_FI_DEV_GPU_UTIL_RATIO=DCGM_FI_DEV_GPU_UTIL"
                + " (repeatable; that one is built in).")
    java.util.Map<String, String> dcgmFields = new java.util.HashMap<>();

    @Override
    dev.infertrace.proxy.state.WorkerState workerState(ProxyConfig config) {
      URI engine =
          "off".equals(engineMetrics)
              ? null
              : engineMetrics != null && !engineMetrics.isBlank()
                  ? URI.create(engineMetrics)
                  : config.upstreams().get(0).resolve("/metrics");
      java.util.Set<String> uuids = new java.util.HashSet<>();
      if (gpuUuids != null) {
        gpuUuids.stream().map(String::strip).filter(u -> u.startsWith("GPU-")).forEach(uuids::add);
      }
      java.util.Map<String, String> aliases =
          new java.util.HashMap<>(dev.infertrace.core.gpu.DcgmSample.DEFAULT_ALIASES);
      aliases.putAll(dcgmFields);
      return new dev.infertrace.proxy.state.WorkerState(
          engine, engineInterval, dcgm, dcgmInterval, pod, namespace, uuids, aliases);
    }

    @Override
    Role role() {
      return Role.WORKER;
    }

    @Override
    String defaultListen() {
      return "127.0.0.1:8081";
    }
  }
}
