package dev.infertrace.testbed.demo;

import dev.infertrace.core.slo.SloTarget;
import dev.infertrace.explain.Report;
import dev.infertrace.explain.verdict.Explainer;
import dev.infertrace.proxy.cli.AddressConverter;
import dev.infertrace.proxy.cli.DurationConverter;
import dev.infertrace.proxy.export.OtlpJsonFileExporter;
import dev.infertrace.testbed.cluster.TracedCluster;
import dev.infertrace.testbed.epp.Scorer;
import dev.infertrace.testbed.load.LoadConfig;
import dev.infertrace.testbed.load.LoadGenerator;
import dev.infertrace.testbed.load.LoadStats;
import dev.infertrace.testbed.load.ProgressLine;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace demo}: the whole traced stack on the built-in simulated cluster. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Starts two simulated vLLM workers with their GPUs (sim), a tracing worker sidecar in"
          + " front of each, and a tracing ingress in front of both (round-robin); drives a"
          + " streaming load through it with a progress display; throttles one GPU in the middle of"
          + " the run; writes every span to a trace file (OTLP JSON lines); then prints a per-phase"
          + " latency summary and the waterfalls of the three slowest requests. Ctrl-C stops"
          + " everything cleanly."
    })
public final class DemoCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = {"-d", "--duration"},
      converter = DurationConverter.class,
      description = "How long the load runs (default: 45s).")
  private Duration duration = Duration.ofSeconds(45);

  @Option(
      names = {"-c", "--concurrency"},
      description = "Concurrent streaming clients (default: ${DEFAULT-VALUE}).")
  private int concurrency = 12;

  @Option(
      names = "--trace-file",
      description = "Where the spans go (default: ${DEFAULT-VALUE}); it is replaced.")
  private Path traceFile = Path.of("infertrace-demo-traces.jsonl");

  @Option(names = "--no-fault", description = "Do not throttle a GPU mid-run.")
  private boolean noFault;

  @Option(
      names = "--otlp-endpoint",
      paramLabel = "URL",
      defaultValue = "${env:OTEL_EXPORTER_OTLP_ENDPOINT}",
      description = {
        "Also export every span over OTLP to this collector or Jaeger, e.g."
            + " http://localhost:4317 (default: OTEL_EXPORTER_OTLP_ENDPOINT;"
            + " OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf for OTLP/HTTP, then the URL is the base,"
            + " e.g. http://localhost:4318)."
      })
  private String otlpEndpoint;

  @Option(
      names = "--jaeger",
      paramLabel = "URL",
      description = {
        "Jaeger's query URL, e.g. http://localhost:16686: the report links the slowest traces"
            + " there. Without --otlp-endpoint, spans go to OTLP gRPC on the same host, port 4317."
      })
  private URI jaeger;

  @Option(
      names = "--slo",
      paramLabel = "MODEL=ttft:D,tpot:D",
      defaultValue = "llama-3.1-8b=ttft:1s,tpot:10ms",
      description = {
        "The ingress's latency objective (default: ${DEFAULT-VALUE}); spans get llm.slo.met,"
            + " which the collector's tail sampling keeps. The throttled GPU misses the TPOT."
      })
  private String slo;

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      description = "Serve the ingress's /metrics (OpenMetrics, exemplars) here, for Prometheus.")
  private InetSocketAddress admin;

  @Override
  public Integer call() throws Exception {
    if (concurrency < 1 || duration.toMillis() < 3000) {
      throw new ParameterException(
          spec.commandLine(), "--concurrency must be >= 1 and --duration at least 3s");
    }
    PrintWriter out = spec.commandLine().getOut();
    Map<String, SloTarget> slos;
    try {
      var entry = SloTarget.parse(slo);
      slos = Map.of(entry.getKey(), entry.getValue());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--slo: " + e.getMessage());
    }
    String endpoint = otlpEndpoint;
    if ((endpoint == null || endpoint.isBlank()) && jaeger != null) {
      endpoint = "http://" + jaeger.getHost() + ":4317";
    }
    Files.deleteIfExists(traceFile);
    SpanExporter file = OtlpJsonFileExporter.open(traceFile);
    if (endpoint != null && !endpoint.isBlank()) {
      boolean http =
          "http/protobuf".equals(System.getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
              || endpoint.endsWith(":4318");
      SpanExporter otlp =
          http
              ? io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter.builder()
                  .setEndpoint(endpoint.replaceAll("/+$", "") + "/v1/traces")
                  .build()
              : io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter.builder()
                  .setEndpoint(endpoint)
                  .build();
      file = SpanExporter.composite(file, otlp);
      out.printf("demo: spans also go to %s (OTLP %s)%n", endpoint, http ? "HTTP" : "gRPC");
    }
    AtomicBoolean stopped = new AtomicBoolean();
    LoadGenerator[] load = new LoadGenerator[1];
    Thread hook =
        new Thread(
            () -> {
              stopped.set(true);
              if (load[0] != null) {
                load[0].stop();
              }
            },
            "demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    TracedCluster cluster = null;
    try {
      out.println(
          "demo: starting 2 simulated vLLM workers (H100 twins), 2 worker sidecars, a reference"
              + " EPP behind the epp interposer, 1 ingress as the gateway");
      // vLLM's own span goes to each worker's OTLP receiver: exact queue/prefill/decode phases.
      // Routing: the ingress is the gateway; it asks the reference EPP (through the epp
      // interposer, which makes the llm.route span) which worker takes each request.
      cluster =
          TracedCluster.start(
              new TracedCluster.Options(
                  2, "worker-%d", "%d", new Scorer(1, 1, 1), slos, admin, false),
              file);
      for (int i = 0; i < 2; i++) {
        Sim sim = cluster.sim(i);
        out.printf(
            "  sim-%d %s (DCGM :%d)  ←  worker-%d %s%n",
            i, sim.baseUrl(), sim.dcgmAddress().getPort(), i, cluster.worker(i));
      }
      if (admin != null) {
        out.printf(
            "  ingress /metrics on http://%s:%d/metrics%n", admin.getHostString(), admin.getPort());
      }
      out.printf(
          "  ref-epp 127.0.0.1:%d (queue + KV + prefix scorers)  ←  epp interposer 127.0.0.1:%d%n",
          cluster.refEpp().port(), cluster.interposerPort());
      out.printf(
          "  ingress %s  (gateway: asks the EPP, routes to worker-0 or worker-1)%n",
          cluster.ingress());
      out.printf(
          "demo: %d streaming clients for %d s; spans to %s%n",
          concurrency, duration.toSeconds(), traceFile);
      out.flush();

      if (!noFault) {
        long at = duration.toMillis() / 3;
        TracedCluster faulty = cluster;
        faulty
            .timer()
            .schedule(
                () -> {
                  faulty
                      .sim(1)
                      .faults()
                      .add(
                          FaultSpec.parse(
                              "thermal-throttle:smClockMhz=990,durationSeconds="
                                  + duration.toSeconds() / 3));
                  out.printf(
                      "demo: FAULT thermal-throttle on sim-1 (SM clock 1980 → 990 MHz) for %d s%n",
                      duration.toSeconds() / 3);
                  out.flush();
                },
                at,
                TimeUnit.MILLISECONDS);
      }
      load[0] =
          new LoadGenerator(
              new LoadConfig(
                  cluster.ingress(),
                  "llama-3.1-8b",
                  concurrency,
                  duration,
                  0,
                  120,
                  60,
                  32,
                  160,
                  true,
                  7),
              1);
      ProgressLine progress = new ProgressLine(load[0].stats());
      LoadStats stats =
          load[0].run(
              elapsed -> {
                out.println(progress.next(elapsed));
                out.flush();
              });
      out.printf("demo: %d requests ok, %d failed; flushing spans%n", stats.ok(), stats.failed());
    } finally {
      if (cluster != null) {
        cluster.close(); // every span flushed to the file
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook ran
      }
    }
    DemoReport.print(TraceFile.read(traceFile), out, jaeger);
    // explain's verdicts: the whole run against itself, then the slowest requests one by one.
    List<Explainer.Explained> explained =
        Explainer.explain(
            dev.infertrace.explain.trace.Trace.group(
                dev.infertrace.explain.trace.TraceFile.read(traceFile).spans()));
    out.printf("%n./infertrace explain --file %s%n", traceFile);
    Report.verdicts(out, explained);
    explained.stream()
        .sorted(java.util.Comparator.comparingDouble(Explainer.Explained::lost).reversed())
        .limit(3)
        .forEach(
            e ->
                out.printf(
                    java.util.Locale.ROOT,
                    "  %s %.3f s: %s%n",
                    e.traceId(),
                    e.attribution().seconds(),
                    e.verdict()));
    out.printf(
        "%nAll spans: %s (OTLP JSON lines; load them into a collector's otlpjsonfile receiver"
            + " or read them with jq)%n",
        traceFile.toAbsolutePath());
    out.flush();
    return stopped.get() ? 130 : 0;
  }
}
