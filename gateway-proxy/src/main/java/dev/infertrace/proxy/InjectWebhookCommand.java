package dev.infertrace.proxy;

import dev.infertrace.proxy.admin.AdminServer;
import dev.infertrace.proxy.cli.AddressConverter;
import dev.infertrace.proxy.cli.AdminOptions;
import dev.infertrace.proxy.inject.AdmissionHandler;
import dev.infertrace.proxy.inject.InjectionSettings;
import dev.infertrace.proxy.inject.SidecarInjector;
import dev.infertrace.proxy.inject.WebhookServer;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.annotation.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./infertrace inject-webhook}: the mutating admission webhook that injects the worker. */
@Command(
    name = "inject-webhook",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Mutating admission webhook (AdmissionReview v1 over TLS): pods annotated"
          + " infertrace.io/inject: \"true\", or in a namespace labelled"
          + " infertrace.io/injection=enabled, get the worker sidecar in front of vLLM's port. See"
          + " src/docs/kubernetes.md."
    })
final class InjectWebhookCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin AdminOptions admin;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      defaultValue = "${env:INFERTRACE_LISTEN:-127.0.0.1:8443}",
      description = "Where to serve HTTPS (default: ${DEFAULT-VALUE}; env INFERTRACE_LISTEN).")
  InetSocketAddress listen;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      required = true,
      defaultValue = "${env:INFERTRACE_TLS_CERT}",
      description = "PEM certificate chain, reloaded when it changes (env INFERTRACE_TLS_CERT).")
  Path cert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      required = true,
      defaultValue = "${env:INFERTRACE_TLS_KEY}",
      description = "PEM private key, PKCS#8 or PKCS#1 RSA (env INFERTRACE_TLS_KEY).")
  Path key;

  @Option(
      names = "--sidecar-image",
      required = true,
      defaultValue = "${env:INFERTRACE_SIDECAR_IMAGE}",
      description = "The infertrace image the sidecar runs (env INFERTRACE_SIDECAR_IMAGE).")
  String image;

  @Option(
      names = "--upstream-port",
      defaultValue = "8000",
      description = "vLLM's port in the pod (default: ${DEFAULT-VALUE}; annotation overrides).")
  int upstreamPort;

  @Option(
      names = "--sidecar-port",
      defaultValue = "8081",
      description =
          "The sidecar's port, the InferencePool's target (default: ${DEFAULT-VALUE};"
              + " annotation infertrace.io/listen-port overrides).")
  int listenPort;

  @Option(
      names = "--sidecar-admin-port",
      defaultValue = "9464",
      description = "The sidecar's /metrics, /health, /ready (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(
      names = "--otlp-receiver-port",
      defaultValue = "4317",
      description =
          "The sidecar's loopback OTLP/gRPC receiver for vLLM's spans; OTLP/HTTP is the next"
              + " port (default: ${DEFAULT-VALUE}).")
  int otlpPort;

  @Option(
      names = "--otlp-endpoint",
      defaultValue = "http://$(HOST_IP):4318",
      description =
          "The sidecar's OTEL_EXPORTER_OTLP_ENDPOINT; $(HOST_IP) is the node (the collector"
              + " agent's hostPort); empty to leave it unset (default: ${DEFAULT-VALUE}).")
  String otlpEndpoint;

  @Option(
      names = "--dcgm-port",
      defaultValue = "9400",
      description = "dcgm-exporter's port on the node, 0 for none (default: ${DEFAULT-VALUE}).")
  int dcgmPort;

  @Option(names = "--sidecar-cpu", defaultValue = "250m", description = "CPU request.")
  String cpu;

  @Option(names = "--sidecar-memory", defaultValue = "256Mi", description = "Memory request.")
  String memory;

  @Option(names = "--sidecar-memory-limit", defaultValue = "512Mi", description = "Memory limit.")
  String memoryLimit;

  @Option(
      names = "--exclude-namespace",
      paramLabel = "NAME",
      description =
          "Never inject here (repeatable; kube-system and $POD_NAMESPACE, the webhook's own,"
              + " always are).")
  List<String> excluded = new ArrayList<>();

  @Option(
      names = "--namespace",
      defaultValue = "${env:POD_NAMESPACE}",
      description = "The webhook's own namespace (default: $POD_NAMESPACE).")
  @Nullable
  String ownNamespace;

  @Override
  public Integer call() throws Exception {
    Set<String> exclude = new LinkedHashSet<>(excluded);
    exclude.add("kube-system");
    if (ownNamespace != null && !ownNamespace.isBlank()) {
      exclude.add(ownNamespace);
    }
    InjectionSettings settings;
    try {
      settings =
          new InjectionSettings(
              image,
              upstreamPort,
              listenPort,
              adminPort,
              otlpPort,
              otlpEndpoint,
              dcgmPort,
              cpu,
              memory,
              memoryLimit,
              exclude);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    AdmissionHandler handler = new AdmissionHandler(new SidecarInjector(settings));
    WebhookServer server = WebhookServer.start(listen, cert, key, handler);
    AdminServer adminServer =
        admin.address() == null
            ? null
            : AdminServer.start(admin.address(), () -> metrics(handler), () -> true);
    CountDownLatch stopped =
        ProxyLauncher.closeOnShutdown(
            () -> {
              if (adminServer != null) {
                adminServer.close();
              }
              server.close();
            },
            "inject-webhook-shutdown");
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "inject-webhook: listening on https://%s%s, excluding namespaces %s%n",
        server.address().getHostString() + ":" + server.address().getPort(),
        WebhookServer.PATH,
        exclude);
    out.flush();
    stopped.await();
    return 0;
  }

  /** The OpenMetrics page: admission reviews by outcome. */
  static String metrics(AdmissionHandler handler) {
    StringBuilder page =
        new StringBuilder(
            "# TYPE infertrace_inject_admissions counter\n"
                + "# HELP infertrace_inject_admissions AdmissionReviews answered, by outcome.\n");
    handler
        .outcomes()
        .forEach(
            (outcome, n) ->
                page.append("infertrace_inject_admissions_total{outcome=\"")
                    .append(outcome)
                    .append("\"} ")
                    .append(n)
                    .append('\n'));
    return page.append("# EOF\n").toString();
  }
}
