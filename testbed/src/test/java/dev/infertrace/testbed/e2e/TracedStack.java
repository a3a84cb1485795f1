package dev.infertrace.testbed.e2e;

import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.ProxyServer;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.export.OtlpGrpcExporter;
import dev.infertrace.proxy.export.OtlpGrpcSettings;
import dev.infertrace.testbed.otlp.OtlpSink;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * client → ingress → worker → twin on loopback, both proxies exporting real OTLP/gRPC to one {@link
 * OtlpSink}. Closing it stops everything in reverse order.
 */
public final class TracedStack implements AutoCloseable {
  public final OtlpSink sink;
  public final Sim sim;
  public final ProxyServer worker;
  public final ProxyServer ingress;
  private final List<OpenTelemetrySdk> sdks = new ArrayList<>();
  private final ProxyRuntime workerRuntime;
  private final ProxyRuntime ingressRuntime;

  public TracedStack(SimConfig simConfig, ProxyConfig ingressTemplate) throws Exception {
    sink = OtlpSink.start();
    sim = Sim.start(simConfig);
    workerRuntime =
        ProxyRuntime.builder(ProxyConfig.loopback(Role.WORKER, List.of(URI.create(sim.baseUrl()))))
            .openTelemetry(sdk("infertrace-worker"))
            .start();
    worker = workerRuntime.server();
    ingressRuntime =
        ProxyRuntime.builder(
                ingressTemplate.toBuilder()
                    .upstreams(List.of(URI.create(worker.baseUrl())))
                    .build())
            .openTelemetry(sdk("infertrace-ingress"))
            .start();
    ingress = ingressRuntime.server();
  }

  public TracedStack(SimConfig simConfig) throws Exception {
    this(simConfig, ProxyConfig.loopback(Role.INGRESS, List.of(URI.create("http://unused:1"))));
  }

  /** The proxies' own OTLP/gRPC exporter (what they send with in production) to the sink. */
  private SpanExporter exporter() {
    try {
      return new OtlpGrpcExporter(
          new OtlpGrpcSettings(
              URI.create(sink.grpcEndpoint()),
              Map.of(),
              Duration.ofSeconds(10),
              false,
              null,
              null,
              null,
              true));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public OpenTelemetrySdk sdk(String service) {
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .setResource(Resource.builder().put("service.name", service).build())
                    .addSpanProcessor(
                        BatchSpanProcessor.builder(exporter())
                            .setScheduleDelay(Duration.ofMillis(50))
                            .build())
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    sdks.add(sdk);
    return sdk;
  }

  @Override
  public void close() {
    ingressRuntime.close();
    workerRuntime.close();
    sdks.forEach(OpenTelemetrySdk::close);
    sim.close();
    sink.close();
  }
}
