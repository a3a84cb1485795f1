package dev.infertrace.testbed.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.export.OtlpJsonFileExporter;
import dev.infertrace.testbed.TestbedMain;
import dev.infertrace.testbed.sim.Sim;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** With --traces, each request of the run gets explain's verdict from the proxies' trace file. */
class LoadVerdictsTest {

  @Test
  void everyRequestThroughTheTracedStackGetsItsVerdict(@TempDir Path dir) throws Exception {
    Path traces = dir.resolve("traces.jsonl");
    StringWriter err = new StringWriter();
    try (OtlpJsonFileExporter file = OtlpJsonFileExporter.open(traces);
        Sim sim = BenchConfigs.twin();
        OpenTelemetrySdk workerSdk = sdk("infertrace-worker", file);
        OpenTelemetrySdk ingressSdk = sdk("infertrace-ingress", file);
        ProxyRuntime worker =
            ProxyRuntime.builder(
                    ProxyConfig.loopback(Role.WORKER, List.of(URI.create(sim.baseUrl()))))
                .openTelemetry(workerSdk)
                .start();
        ProxyRuntime ingress =
            ProxyRuntime.builder(
                    ProxyConfig.loopback(
                        Role.INGRESS, List.of(URI.create(worker.server().baseUrl()))))
                .openTelemetry(ingressSdk)
                .start()) {
      CommandLine cli = TestbedMain.commandLine();
      cli.setErr(new PrintWriter(err, true));
      cli.setOut(new PrintWriter(new StringWriter(), true));
      // a first run makes the spans; the second reads them (the file is complete by then)
      assertThat(
              cli.execute(
                  "load",
                  "--url",
                  ingress.server().baseUrl(),
                  "--model",
                  "m",
                  "-c",
                  "2",
                  "-n",
                  "10",
                  "--output-tokens",
                  "8",
                  "-o",
                  dir.resolve("first").toString()))
          .as(err.toString())
          .isZero();
      ingressSdk.getSdkTracerProvider().forceFlush().join(5, java.util.concurrent.TimeUnit.SECONDS);
      workerSdk.getSdkTracerProvider().forceFlush().join(5, java.util.concurrent.TimeUnit.SECONDS);
      JsonNode first = new ObjectMapper().readTree(dir.resolve("first/load.json").toFile());

      // the verdicts of a finished run: its trace file read through the --traces code path
      List<String> ids = new java.util.ArrayList<>();
      first.path("requests").forEach(r -> ids.add(r.path("trace_id").asText()));
      JsonNode verdicts = Verdicts.read(traces, ids);

      assertThat(verdicts.size()).isEqualTo(10);
      for (JsonNode r : first.path("requests")) {
        JsonNode v = verdicts.path(r.path("trace_id").asText());
        assertThat(v.path("cause").asText()).as("%s in %s", r, verdicts).isNotEmpty();
        assertThat(v.path("component").asText()).isNotEmpty();
      }
      assertThat(
              cli.execute(
                  "load",
                  "--url",
                  ingress.server().baseUrl(),
                  "--model",
                  "m",
                  "-c",
                  "1",
                  "-n",
                  "2",
                  "--traces",
                  traces.toString(),
                  "-o",
                  dir.resolve("second").toString()))
          .isZero();
      assertThat(err.toString()).contains("load: explain judged");
      assertThat(Files.readString(dir.resolve("second/report.html"))).contains("\"traces_file\"");
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

  /** The file is shared by both SDKs and closed once, by the test. */
  private record Unclosable(OtlpJsonFileExporter file)
      implements io.opentelemetry.sdk.trace.export.SpanExporter {
    @Override
    public io.opentelemetry.sdk.common.CompletableResultCode export(
        java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
      return file.export(spans);
    }

    @Override
    public io.opentelemetry.sdk.common.CompletableResultCode flush() {
      return file.flush();
    }

    @Override
    public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
      return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
    }
  }
}
