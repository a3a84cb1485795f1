package dev.infertrace.proxy;

import dev.infertrace.core.gpu.DcgmSample;
import dev.infertrace.proxy.cli.AddressConverter;
import dev.infertrace.proxy.cli.AdminOptions;
import dev.infertrace.proxy.cli.DurationConverter;
import dev.infertrace.proxy.cli.ProxyOptions;
import dev.infertrace.proxy.cli.TelemetryOptions;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.ProxyDefaults;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.state.WorkerState;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.annotation.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./infertrace worker}: the tracing sidecar in front of one vLLM server. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Tracing sidecar in front of one vLLM server: a SERVER span per request with the"
          + " worker's view and phase spans llm.first_token_wait and llm.decode measured from the"
          + " stream."
    },
    footer = ProxyLauncher.ENVIRONMENT_HELP)
final class WorkerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ProxyOptions proxy;

  @Mixin TelemetryOptions telemetry;

  @Mixin AdminOptions admin;

  @Option(
      names = "--engine-metrics",
      paramLabel = "URL|off",
      defaultValue = "${env:INFERTRACE_ENGINE_METRICS}",
      description =
          "vLLM's /metrics, scraped for queue and KV-cache state (default: the upstream's"
              + " /metrics; off to disable; env INFERTRACE_ENGINE_METRICS).")
  @Nullable
  String engineMetrics;

  @Option(
      names = "--engine-metrics-interval",
      converter = DurationConverter.class,
      defaultValue =
          "${env:INFERTRACE_ENGINE_METRICS_INTERVAL:-"
              + ProxyDefaults.ENGINE_METRICS_INTERVAL
              + "}",
      description = "How often (default: ${DEFAULT-VALUE}).")
  Duration engineInterval;

  @Option(
      names = "--dcgm",
      paramLabel = "URL",
      defaultValue = "${env:INFERTRACE_DCGM}",
      description = "The DCGM exporter's /metrics (off by default; env INFERTRACE_DCGM).")
  @Nullable
  URI dcgm;

  @Option(
      names = "--dcgm-interval",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_DCGM_INTERVAL:-" + ProxyDefaults.DCGM_INTERVAL + "}",
      description = "How often (default: ${DEFAULT-VALUE}).")
  Duration dcgmInterval;

  @Option(
      names = "--pod",
      defaultValue = "${env:POD_NAME}",
      description = "Keep the DCGM series of this pod (default: $POD_NAME).")
  @Nullable
  String pod;

  @Option(
      names = "--namespace",
      defaultValue = "${env:POD_NAMESPACE}",
      description = "... in this namespace (default: $POD_NAMESPACE).")
  @Nullable
  String namespace;

  @Option(
      names = "--gpu-uuids",
      split = ",",
      defaultValue = "${env:NVIDIA_VISIBLE_DEVICES}",
      description =
          "Keep the DCGM series of these GPU UUIDs (wins over --pod; default:"
              + " $NVIDIA_VISIBLE_DEVICES when it lists UUIDs).")
  @Nullable
  List<String> gpuUuids;

  @Option(
      names = "--otlp-receiver",
      paramLabel = "HOST:PORT|off",
      defaultValue = "${env:INFERTRACE_OTLP_RECEIVER:-" + ProxyDefaults.OTLP_RECEIVER + "}",
      description =
          "OTLP/gRPC receiver for vLLM's --otlp-traces-endpoint: its llm_request spans give exact"
              + " queue/prefill/decode phases (default: ${DEFAULT-VALUE}; off to disable).")
  String otlpReceiver;

  @Option(
      names = "--otlp-receiver-http",
      paramLabel = "HOST:PORT",
      defaultValue =
          "${env:INFERTRACE_OTLP_RECEIVER_HTTP:-" + ProxyDefaults.OTLP_RECEIVER_HTTP + "}",
      description = "OTLP/HTTP receiver, the same for http/protobuf (default: ${DEFAULT-VALUE}).")
  String otlpReceiverHttp;

  @Option(
      names = "--otlp-receiver-any-peer",
      description = "Accept spans from non-loopback peers too (default: loopback only).")
  boolean anyPeer;

  @Option(
      names = "--engine-span-wait",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_ENGINE_SPAN_WAIT:-" + ProxyDefaults.ENGINE_SPAN_WAIT + "}",
      description =
          "How long to wait for vLLM's span before emitting stream-measured phases instead"
              + " (default: ${DEFAULT-VALUE}).")
  Duration engineSpanWait;

  @Option(
      names = "--scrape-max-bytes",
      defaultValue = "${env:INFERTRACE_SCRAPE_MAX_BYTES:-" + ProxyDefaults.SCRAPE_MAX_BYTES + "}",
      description =
          "A vLLM or DCGM metrics page larger than this is not read: the scrape fails as"
              + " too_large (default: ${DEFAULT-VALUE}).")
  int scrapeMaxBytes;

  @Option(
      names = "--dcgm-field",
      paramLabel = "NEW=KNOWN",
      description =
          "Read a DCGM field under another name, e.g."
              + " DCGM_FI_DEV_GPU_UTIL_RATIO=DCGM_FI_DEV_GPU_UTIL"
              + " (repeatable; that one is built in).")
  Map<String, String> dcgmFields = new HashMap<>();

  @Override
  public Integer call() throws Exception {
    ProxyLauncher.checkTransport(spec);
    InetSocketAddress listen = proxy.listen(ProxyDefaults.WORKER_LISTEN);
    ProxyConfig config = ProxyLauncher.config(spec, Role.WORKER, listen, proxy.upstreams(), proxy);
    Path traceFile = telemetry.traceFile(Role.WORKER.wireName());
    ProxyTelemetry.Telemetry sdk =
        ProxyLauncher.telemetry("infertrace-" + Role.WORKER.wireName(), traceFile, telemetry);
    ProxyRuntime runtime =
        ProxyLauncher.start(
            spec,
            listen,
            () -> {
              EngineReceiver receiver = engineReceiver(); // before the scrapers, which it'd leak
              return ProxyRuntime.builder(config)
                  .telemetry(sdk)
                  .workerState(workerState(config))
                  .engineReceiver(receiver)
                  .admin(admin.address())
                  .readServedModels(true)
                  .start();
            });
    if (runtime == null) {
      return 1; // the start failed: said on stderr
    }
    CountDownLatch stopped = ProxyLauncher.closeOnShutdown(runtime, "proxy-shutdown");
    PrintWriter out = spec.commandLine().getOut();
    if (runtime.receiver() != null) {
      out.printf(
          "worker: OTLP receiver for vLLM's spans on %s (gRPC) and %s (HTTP)%n",
          otlpReceiver, otlpReceiverHttp);
    }
    out.printf(
        "%s: listening on %s (%s), %s, spans to %s%n",
        Role.WORKER.wireName(),
        runtime.baseUrl(),
        runtime.server().transport().wireName(),
        "upstream " + config.upstreams(),
        traceFile != null ? traceFile : "OTLP (OTEL_* settings)");
    out.flush();
    stopped.await();
    return 0;
  }

  /** The receiver of vLLM's spans; null with {@code --otlp-receiver off}. */
  @Nullable
  private EngineReceiver engineReceiver() {
    if ("off".equals(otlpReceiver)) {
      return null;
    }
    AddressConverter address = new AddressConverter();
    return new EngineReceiver(
        address.convert(otlpReceiver), address.convert(otlpReceiverHttp), !anyPeer, engineSpanWait);
  }

  /** The engine and GPU scrapers. */
  private WorkerState workerState(ProxyConfig config) {
    URI engine =
        "off".equals(engineMetrics)
            ? null
            : engineMetrics != null && !engineMetrics.isBlank()
                ? URI.create(engineMetrics)
                : config.upstreams().get(0).resolve("/metrics");
    Set<String> uuids = new HashSet<>();
    if (gpuUuids != null) {
      gpuUuids.stream().map(String::strip).filter(u -> u.startsWith("GPU-")).forEach(uuids::add);
    }
    Map<String, String> aliases = new HashMap<>(DcgmSample.DEFAULT_ALIASES);
    aliases.putAll(dcgmFields);
    if (scrapeMaxBytes < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--scrape-max-bytes must be >= 1, got " + scrapeMaxBytes);
    }
    return new WorkerState(
        engine, engineInterval, dcgm, dcgmInterval, pod, namespace, uuids, aliases, scrapeMaxBytes);
  }
}
