package dev.infertrace.load;

import dev.infertrace.proxy.ProxyMain;
import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.export.OtlpJsonFileExporter;
import dev.infertrace.testbed.sim.Sim;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * The twin behind a worker sidecar behind an ingress, both writing their spans into one OTLP
 * JSON-lines file as the proxies' --trace-file does.
 */
final class TraceFileStack implements AutoCloseable {
  private final OtlpJsonFileExporter file;
  private final Sim sim;
  private final OpenTelemetrySdk workerSdk;
  private final OpenTelemetrySdk ingressSdk;
  private final ProxyRuntime worker;
  private final ProxyRuntime ingress;

  TraceFileStack(Path traces) throws Exception {
    file = OtlpJsonFileExporter.open(traces);
    sim = BenchConfigs.twin();
    workerSdk = sdk("infertrace-worker", file);
    ingressSdk = sdk("infertrace-ingress", file);
    worker =
        ProxyRuntime.builder(ProxyConfig.loopback(Role.WORKER, List.of(URI.create(sim.baseUrl()))))
            .openTelemetry(workerSdk)
            .start();
    ingress =
        ProxyRuntime.builder(
                ProxyConfig.loopback(Role.INGRESS, List.of(URI.create(worker.server().baseUrl()))))
            .openTelemetry(ingressSdk)
            .start();
  }

  /** The ingress's base URL, where clients send. */
  String baseUrl() {
    return ingress.server().baseUrl();
  }

  /**
   * Runs {@code infertrace load} against the ingress with {@code options} after {@code --url}, its
   * stderr appended to {@code err}, the spans of its requests flushed into the file after it; its
   * exit status.
   */
  int load(StringWriter err, String... options) {
    CommandLine cli = ProxyMain.commandLine();
    cli.setErr(new PrintWriter(err, true));
    cli.setOut(new PrintWriter(new StringWriter(), true));
    List<String> args = new ArrayList<>(List.of("load", "--url", baseUrl(), "--model", "m"));
    args.addAll(List.of(options));
    int status = cli.execute(args.toArray(String[]::new));
    flush();
    return status;
  }

  /** Every ended span in the file. */
  void flush() {
    ingressSdk.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS);
    workerSdk.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try (file;
        sim;
        workerSdk;
        ingressSdk;
        worker;
        ingress) {
      // closed in reverse order: the ingress first, the file last
    }
  }

  private static OpenTelemetrySdk sdk(String service, OtlpJsonFileExporter file) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(
            SdkTracerProvider.builder()
                .setResource(Resource.builder().put("service.name", service).build())
                .addSpanProcessor(SimpleSpanProcessor.create(new Unclosable(file)))
                .build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  /** The file is shared by both SDKs and closed once, by the stack. */
  private record Unclosable(OtlpJsonFileExporter file) implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return file.export(spans);
    }

    @Override
    public CompletableResultCode flush() {
      return file.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
