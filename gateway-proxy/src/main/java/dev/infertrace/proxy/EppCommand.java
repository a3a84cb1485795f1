package dev.infertrace.proxy;

import dev.infertrace.proxy.cli.AddressConverter;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.epp.EndpointView;
import dev.infertrace.proxy.epp.EppInterposer;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace epp}: the ext_proc interposer in front of an Endpoint Picker. */
@Command(
    name = "epp",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    sortOptions = false,
    description = {
      "Transparent gRPC proxy for Envoy's ext_proc Process stream in front of an Endpoint Picker",
      "(llm-d EPP). Relays every message unchanged, both ways, in order, and makes one llm.route",
      "span per stream: the endpoint chosen, its scores, the decision time, the outcome.",
      "Point the gateway's ext_proc at --listen and this at the EPP."
    })
final class EppCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      defaultValue = "${env:INFERTRACE_LISTEN:-127.0.0.1:9012}",
      description = "Where the gateway connects (default: ${DEFAULT-VALUE}).")
  InetSocketAddress listen;

  @Option(
      names = "--upstream",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      defaultValue = "${env:INFERTRACE_UPSTREAM}",
      description = "The EPP's ext_proc port, e.g. 127.0.0.1:9002 (env INFERTRACE_UPSTREAM).")
  InetSocketAddress upstream;

  @Option(
      names = "--endpoints",
      paramLabel = "FILE",
      defaultValue = "${env:INFERTRACE_ENDPOINTS}",
      description = {
        "The EPP's endpoints file (llm-d file-discovery format: endpoints: [{name, address,",
        "port}]). With it, the span gets one llm.route.candidate event per endpoint with its",
        "engine state at decision time (scraped from each endpoint's /metrics every 50 ms)."
      })
  Path endpoints;

  @Option(
      names = "--dcgm",
      paramLabel = "NAME=URL",
      description = {
        "DCGM exporter metrics URL for the endpoint NAME (repeatable), for dcgm.gpu_util on its",
        "candidate event; GPUs are narrowed to pod=NAME when the page has that label."
      })
  java.util.List<String> dcgm;

  @Option(
      names = "--trace-file",
      paramLabel = "PATH",
      defaultValue = "${env:INFERTRACE_TRACE_FILE}",
      description =
          "Write spans here as OTLP JSON lines (default when no OTEL_* collector is set:"
              + " ./infertrace-epp-traces.jsonl).")
  Path traceFile;

  @Override
  public Integer call() throws Exception {
    if (upstream == null) {
      throw new ParameterException(spec.commandLine(), "--upstream HOST:PORT is required");
    }
    Path file = traceFile;
    if (file == null && !RoleCommand.collectorConfigured()) {
      file = Path.of("infertrace-epp-traces.jsonl");
    }
    EndpointView view = null;
    if (endpoints != null) {
      try {
        view = new EndpointView(Endpoint.read(endpoints), EndpointView.parseDcgm(dcgm));
      } catch (java.io.IOException | IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    } else if (dcgm != null) {
      throw new ParameterException(spec.commandLine(), "--dcgm needs --endpoints FILE");
    }
    EndpointView candidates = view;
    ProxyTelemetry.Telemetry telemetry = ProxyTelemetry.create("infertrace-epp", file);
    EppInterposer interposer;
    try {
      interposer = EppInterposer.start(listen, upstream, telemetry.sdk(), view);
    } catch (Exception e) {
      telemetry.sdk().close();
      if (view != null) {
        view.close();
      }
      throw new ParameterException(
          spec.commandLine(), "cannot listen on " + listen + ": " + e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  interposer.close();
                  if (candidates != null) {
                    candidates.close();
                  }
                  telemetry.sdk().getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
                  stopped.countDown();
                },
                "epp-shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "epp: ext_proc on %s:%d → EPP %s, spans to %s%n",
        listen.getHostString(),
        interposer.port(),
        upstream,
        file != null ? file : "OTLP (OTEL_* settings)");
    out.flush();
    stopped.await();
    return 0;
  }
}
