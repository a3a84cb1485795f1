package dev.infertrace.proxy;

import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.export.CountingSpanExporter;
import dev.infertrace.proxy.export.OtlpJsonFileExporter;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * The OpenTelemetry SDK of a proxy process: with {@code --trace-file}, spans go to that file as
 * OTLP JSON lines; otherwise the SDK is configured from the standard {@code OTEL_*} variables
 * (default: OTLP/gRPC to localhost:4317). Metrics and logs export is off unless asked for.
 */
public final class ProxyTelemetry {
  private ProxyTelemetry() {}

  /**
   * The batch span processor's defaults for a proxy that traces every request (OTEL_BSP_* and
   * {@code -Dotel.bsp.*} override them): batches of 2048 spans, not the SDK's 512, and room for
   * 16384 waiting. At 20k requests/s (40k spans/s) with a collector that answers each export in
   * tens of milliseconds, 512-span batches fall behind: spans wait in the queue, survive young
   * collections and are copied, and the queue overflows. See BENCHMARKS.md.
   */
  public static final int BSP_MAX_EXPORT_BATCH = 2048;

  public static final int BSP_MAX_QUEUE = 16384;

  /** The SDK and the counts of what its exporter delivered. */
  public record Telemetry(OpenTelemetrySdk sdk, CountingSpanExporter counts) {}

  public static Telemetry create(Role role, @Nullable Path traceFile) throws IOException {
    return create("infertrace-" + role.wireName(), traceFile);
  }

  /** As above, for a process named {@code service} (e.g. {@code infertrace-epp}). */
  public static Telemetry create(String service, @Nullable Path traceFile) throws IOException {
    if (traceFile != null) {
      CountingSpanExporter counting =
          new CountingSpanExporter(OtlpJsonFileExporter.open(traceFile));
      OpenTelemetrySdk sdk =
          OpenTelemetrySdk.builder()
              .setTracerProvider(
                  SdkTracerProvider.builder()
                      .setResource(
                          Resource.getDefault()
                              .merge(Resource.builder().put("service.name", service).build()))
                      .addSpanProcessor(
                          BatchSpanProcessor.builder(counting)
                              .setMaxExportBatchSize(BSP_MAX_EXPORT_BATCH)
                              .setMaxQueueSize(BSP_MAX_QUEUE)
                              .build())
                      .build())
              .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
              .build();
      return new Telemetry(sdk, counting);
    }
    CountingSpanExporter[] counting = new CountingSpanExporter[1];
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(
                () ->
                    Map.of(
                        "otel.service.name",
                        service,
                        "otel.metrics.exporter",
                        "none",
                        "otel.logs.exporter",
                        "none",
                        "otel.bsp.max.export.batch.size",
                        Integer.toString(BSP_MAX_EXPORT_BATCH),
                        "otel.bsp.max.queue.size",
                        Integer.toString(BSP_MAX_QUEUE)))
            .addSpanExporterCustomizer(
                (exporter, config) -> counting[0] = new CountingSpanExporter(exporter))
            .disableShutdownHook()
            .build()
            .getOpenTelemetrySdk();
    return new Telemetry(
        sdk,
        counting[0] != null ? counting[0] : new CountingSpanExporter(SpanExporter.composite()));
  }
}
