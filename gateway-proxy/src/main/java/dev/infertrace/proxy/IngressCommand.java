package dev.infertrace.proxy;

import dev.infertrace.proxy.cli.AddressConverter;
import dev.infertrace.proxy.cli.AdminOptions;
import dev.infertrace.proxy.cli.DurationConverter;
import dev.infertrace.proxy.cli.ProxyOptions;
import dev.infertrace.proxy.cli.TelemetryOptions;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.ProxyDefaults;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.epp.EppClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.annotation.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace ingress}: the proxy in front of the inference gateway, or the gateway. */
@Command(
    name = "ingress",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Tracing reverse proxy in front of the inference gateway: a SERVER span per request"
          + " with the client's view (time to first token, inter-token latency, tokens, finish"
          + " reason) and a CLIENT span to the gateway, W3C trace context passed on.",
      "With --epp it is the gateway itself: it asks the Endpoint Picker over Envoy's ext_proc"
          + " protocol where each request goes and sends it there."
    },
    footer = ProxyLauncher.ENVIRONMENT_HELP)
final class IngressCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ProxyOptions proxy;

  @Mixin TelemetryOptions telemetry;

  @Mixin AdminOptions admin;

  @Option(
      names = "--epp",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      defaultValue = "${env:INFERTRACE_EPP}",
      description = {
        "Act as the gateway: an Envoy ext_proc client of this Endpoint Picker (request headers"
            + " and body FULL_DUPLEX_STREAMED, header mutations applied, immediate responses answered,"
            + " response headers and body sent to it), routing to the endpoint it picks"
            + " (x-gateway-destination-endpoint). Needs --endpoints. (env INFERTRACE_EPP)"
      })
  @Nullable
  InetSocketAddress epp;

  @Option(
      names = "--endpoints",
      paramLabel = "FILE",
      defaultValue = "${env:INFERTRACE_ENDPOINTS}",
      description = {
        "The endpoints file in llm-d's file-discovery format (endpoints: [{name, address,"
            + " port}]), the same file the EPP reads; used when the EPP fails open."
      })
  @Nullable
  Path endpoints;

  @Option(
      names = "--epp-failure",
      paramLabel = "open|closed",
      defaultValue = "${env:INFERTRACE_EPP_FAILURE:-" + ProxyDefaults.EPP_FAILURE + "}",
      description = {
        "When the EPP is down, fails the stream or does not answer in time: 'open' sends the"
            + " request round-robin over the endpoints file (span event epp.fail_open), 'closed'"
            + " answers 503 (default: ${DEFAULT-VALUE}, as Envoy's failure_mode_allow: false)."
      })
  String eppFailure;

  @Option(
      names = "--epp-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "${env:INFERTRACE_EPP_TIMEOUT:-" + ProxyDefaults.EPP_TIMEOUT + "}",
      description = {
        "How long to wait for each EPP answer (the routing answer, the response-headers"
            + " answer); Envoy's message_timeout (its default is 200ms; EPPs that queue need more)"
            + " (default: ${DEFAULT-VALUE})."
      })
  Duration eppTimeout;

  @Option(
      names = "--epp-max-body",
      paramLabel = "BYTES",
      defaultValue = "${env:INFERTRACE_EPP_MAX_BODY:-" + ProxyDefaults.EPP_MAX_BODY + "}",
      description = {
        "With --epp: the largest request body held for the EPP, which needs it whole to decide;"
            + " larger ones get 413 (default: ${DEFAULT-VALUE})."
      })
  int eppMaxBody;

  @Override
  public Integer call() throws Exception {
    ProxyLauncher.checkTransport(spec);
    InetSocketAddress listen = proxy.listen(ProxyDefaults.INGRESS_LISTEN);
    EppClient client = eppClient();
    List<URI> upstreams = proxy.upstreams();
    if (client != null && upstreams.isEmpty()) {
      // As the gateway, the EPP picks; the endpoints file is the configured set of upstreams.
      upstreams = client.endpointUris();
    }
    ProxyConfig config;
    try {
      config =
          ProxyLauncher.config(spec, Role.INGRESS, listen, upstreams, proxy).toBuilder()
              .eppMaxBodyBytes(eppMaxBody)
              .build();
    } catch (IllegalArgumentException e) {
      if (client != null) {
        client.close();
      }
      throw new ParameterException(spec.commandLine(), e.getMessage());
    } catch (ParameterException e) {
      if (client != null) {
        client.close();
      }
      throw e;
    }
    Path traceFile = telemetry.traceFile(Role.INGRESS.wireName());
    ProxyTelemetry.Telemetry sdk =
        ProxyLauncher.telemetry("infertrace-" + Role.INGRESS.wireName(), traceFile, telemetry);
    ProxyRuntime runtime =
        ProxyLauncher.start(
            spec,
            listen,
            () ->
                ProxyRuntime.builder(config)
                    .telemetry(sdk)
                    .eppClient(client)
                    .admin(admin.address())
                    .readServedModels(true)
                    .start());
    if (runtime == null) {
      return 1; // the start failed: said on stderr
    }
    CountDownLatch stopped = ProxyLauncher.closeOnShutdown(runtime, "proxy-shutdown");
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "%s: listening on %s (%s), %s, spans to %s%n",
        Role.INGRESS.wireName(),
        runtime.baseUrl(),
        runtime.server().transport().wireName(),
        client != null
            ? "EPP "
                + client.address().getHostString()
                + ":"
                + client.address().getPort()
                + " picks among "
                + upstreams
                + " (fail "
                + client.failureMode().name().toLowerCase(Locale.ROOT)
                + "; the EPP is "
                + client.answered()
                + ")"
            : "upstream " + upstreams,
        traceFile != null ? traceFile : "OTLP (OTEL_* settings)");
    out.flush();
    stopped.await();
    return 0;
  }

  /** The EPP client when the ingress acts as the gateway; null otherwise. */
  @Nullable
  private EppClient eppClient() {
    if (epp == null) {
      if (endpoints != null) {
        throw new ParameterException(spec.commandLine(), "--endpoints needs --epp HOST:PORT");
      }
      return null;
    }
    if (endpoints == null) {
      throw new ParameterException(
          spec.commandLine(), "--epp needs --endpoints FILE (llm-d file-discovery format)");
    }
    EppClient.FailureMode mode =
        switch (eppFailure.strip().toLowerCase(Locale.ROOT)) {
          case "open" -> EppClient.FailureMode.OPEN;
          case "closed" -> EppClient.FailureMode.CLOSED;
          default ->
              throw new ParameterException(
                  spec.commandLine(),
                  "--epp-failure must be 'open' or 'closed', not '" + eppFailure + "'");
        };
    try {
      return new EppClient(epp, Endpoint.read(endpoints), mode, eppTimeout);
    } catch (IOException | IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
