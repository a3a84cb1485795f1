package dev.infertrace.proxy;

import dev.infertrace.proxy.cli.AddressConverter;
import dev.infertrace.proxy.cli.AdminOptions;
import dev.infertrace.proxy.cli.TelemetryOptions;
import dev.infertrace.proxy.config.ProxyDefaults;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.epp.EndpointView;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.annotation.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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
      "Transparent gRPC proxy for Envoy's ext_proc Process stream in front of an Endpoint"
          + " Picker (llm-d EPP). Relays every message unchanged, both ways, in order, and makes one"
          + " llm.route span per stream: the endpoint chosen, its scores, the decision time, the"
          + " outcome.",
      "Point the gateway's ext_proc at --listen and this at the EPP."
    })
final class EppCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  // Not ProxyOptions: the interposer relays gRPC to HOST:PORT, not HTTP to URLs.
  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      defaultValue = "${env:INFERTRACE_LISTEN:-" + ProxyDefaults.EPP_LISTEN + "}",
      description = "Where the gateway connects (default: ${DEFAULT-VALUE}).")
  InetSocketAddress listen;

  @Option(
      names = "--upstream",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      defaultValue = "${env:INFERTRACE_UPSTREAM}",
      description = "The EPP's ext_proc port, e.g. 127.0.0.1:9002 (env INFERTRACE_UPSTREAM).")
  @Nullable
  InetSocketAddress upstream;

  @Option(
      names = "--endpoints",
      paramLabel = "FILE",
      defaultValue = "${env:INFERTRACE_ENDPOINTS}",
      description = {
        "The EPP's endpoints file (llm-d file-discovery format: endpoints: [{name, address,"
            + " port}]). With it, the span gets one llm.route.candidate event per endpoint with its"
            + " engine state at decision time (scraped from each endpoint's /metrics every 50 ms)."
      })
  @Nullable
  Path endpoints;

  @Option(
      names = "--dcgm",
      paramLabel = "NAME=URL",
      description = {
        "DCGM exporter metrics URL for the endpoint NAME (repeatable), for dcgm.gpu_util on its"
            + " candidate event; GPUs are narrowed to pod=NAME when the page has that label."
      })
  @Nullable
  List<String> dcgm;

  @Mixin TelemetryOptions telemetry;

  @Mixin AdminOptions admin;

  @Override
  public Integer call() throws Exception {
    if (upstream == null) {
      throw new ParameterException(spec.commandLine(), "--upstream HOST:PORT is required");
    }
    Path file = telemetry.traceFile("epp");
    EndpointView view = null;
    if (endpoints != null) {
      try {
        view = new EndpointView(Endpoint.read(endpoints), EndpointView.parseDcgm(dcgm));
      } catch (IOException | IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    } else if (dcgm != null) {
      throw new ParameterException(spec.commandLine(), "--dcgm needs --endpoints FILE");
    }
    ProxyTelemetry.Telemetry sdk = ProxyLauncher.telemetry("infertrace-epp", file, telemetry);
    EppRuntime.Builder builder =
        EppRuntime.builder(listen, upstream, sdk).endpointView(view).admin(admin.address());
    EppRuntime runtime = ProxyLauncher.start(spec, listen, builder::start);
    if (runtime == null) {
      return 1; // the start failed: said on stderr
    }
    CountDownLatch stopped = ProxyLauncher.closeOnShutdown(runtime, "epp-shutdown");
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "epp: ext_proc on %s:%d → EPP %s (%s), spans to %s%n",
        listen.getHostString(),
        runtime.port(),
        upstream,
        runtime.answered(),
        file != null ? file : "OTLP (OTEL_* settings)");
    if (runtime.admin() != null) {
      InetSocketAddress a = runtime.admin().address();
      out.printf(
          "epp: /metrics, /health, /ready on http://%s:%d%n", a.getHostString(), a.getPort());
    }
    out.flush();
    stopped.await();
    return 0;
  }
}
