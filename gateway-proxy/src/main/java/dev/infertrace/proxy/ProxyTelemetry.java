package dev.infertrace.proxy;

import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.export.OtlpGrpcExporter;
import dev.infertrace.proxy.export.OtlpGrpcSettings;
import dev.infertrace.proxy.export.OtlpJsonFileExporter;
import dev.infertrace.proxy.export.SpanQueue;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
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

  /**
   * The SDK and the one queue every span it makes (and every span relayed through {@link
   * SpanQueue#relay()}) goes through to the exporter, with its counts.
   */
  public record Telemetry(OpenTelemetrySdk sdk, SpanQueue spans) {
    /** An SDK whose spans go through a queue built by {@code queue} (tests, the trace file). */
    public static Telemetry of(String service, SpanQueue.Builder queue) {
      SpanQueue spans = queue.build();
      OpenTelemetrySdk sdk =
          OpenTelemetrySdk.builder()
              .setTracerProvider(
                  SdkTracerProvider.builder()
                      .setResource(
                          Resource.getDefault()
                              .merge(Resource.builder().put("service.name", service).build()))
                      .addSpanProcessor(spans)
                      .build())
              .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
              .build();
      return new Telemetry(sdk, spans);
    }
  }

  /**
   * The environment variable that keeps the SDK's own OTLP/gRPC exporter ({@code sdk}) instead of
   * {@link OtlpGrpcExporter} (default {@code infertrace}).
   */
  public static final String OTLP_EXPORTER_ENV = "INFERTRACE_OTLP_EXPORTER";

  /**
   * The SDK's OTLP/gRPC exporter replaced by {@link OtlpGrpcExporter} with the same settings
   * (unless {@value #OTLP_EXPORTER_ENV}{@code =sdk}); any other exporter as it is. When ours cannot
   * be built from the settings, the SDK's stays, with a warning.
   */
  static SpanExporter otlpGrpc(
      SpanExporter exporter, ConfigProperties config, @Nullable String choice) {
    if (!(exporter instanceof OtlpGrpcSpanExporter)) {
      return exporter;
    }
    if (choice != null && choice.strip().equalsIgnoreCase("sdk")) {
      return exporter;
    }
    if (choice != null && !choice.isBlank() && !choice.strip().equalsIgnoreCase("infertrace")) {
      throw new ConfigurationException(
          OTLP_EXPORTER_ENV + " must be infertrace or sdk, got '" + choice + "'");
    }
    OtlpGrpcSettings settings = OtlpGrpcSettings.from(config);
    if (settings == null) {
      return exporter;
    }
    try {
      OtlpGrpcExporter ours = new OtlpGrpcExporter(settings);
      exporter.shutdown();
      return ours;
    } catch (IOException | RuntimeException e) {
      Logger.getLogger(ProxyTelemetry.class.getName())
          .log(
              Level.WARNING,
              "keeping the SDK''s OTLP/gRPC exporter: infertrace''s could not be built: {0}",
              e.toString());
      return exporter;
    }
  }

  public static Telemetry create(Role role, @Nullable Path traceFile) throws IOException {
    return create("infertrace-" + role.wireName(), traceFile);
  }

  /** As above, for a process named {@code service} (e.g. {@code infertrace-epp}). */
  public static Telemetry create(String service, @Nullable Path traceFile) throws IOException {
    return create(
        service,
        traceFile,
        OtlpJsonFileExporter.DEFAULT_MAX_BYTES,
        OtlpJsonFileExporter.DEFAULT_KEEP);
  }

  /**
   * As above; the trace file is rotated when it would grow over {@code maxBytes}, {@code keep}
   * rotated files kept.
   */
  public static Telemetry create(String service, @Nullable Path traceFile, long maxBytes, int keep)
      throws IOException {
    if (traceFile != null) {
      return Telemetry.of(
          service,
          SpanQueue.builder(OtlpJsonFileExporter.open(traceFile, maxBytes, keep))
              .maxExportBatchSize(BSP_MAX_EXPORT_BATCH)
              .maxQueueSize(BSP_MAX_QUEUE));
    }
    List<SpanExporter> exporters = new ArrayList<>();
    SpanQueue[] queue = new SpanQueue[1];
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
                (exporter, config) -> {
                  SpanExporter chosen =
                      otlpGrpc(exporter, config, System.getenv(OTLP_EXPORTER_ENV));
                  exporters.add(chosen);
                  return dev.infertrace.proxy.export.SpanExporters.unowned(chosen);
                })
            // The SDK's own processor is replaced by the queue (same OTEL_BSP_* settings), which
            // counts what it drops; the SDK's one is stopped (its exporter view ignores that).
            .addSpanProcessorCustomizer(
                (processor, config) -> {
                  processor.shutdown();
                  if (queue[0] != null) {
                    return SpanProcessor.composite(); // one queue for all the exporters
                  }
                  queue[0] =
                      SpanQueue.builder(SpanExporter.composite(exporters))
                          .maxQueueSize(config.getInt("otel.bsp.max.queue.size", BSP_MAX_QUEUE))
                          .maxExportBatchSize(
                              config.getInt("otel.bsp.max.export.batch.size", BSP_MAX_EXPORT_BATCH))
                          .scheduleDelay(
                              config.getDuration("otel.bsp.schedule.delay", Duration.ofSeconds(5)))
                          .exportTimeout(
                              config.getDuration("otel.bsp.export.timeout", Duration.ofSeconds(30)))
                          .build();
                  return queue[0];
                })
            .disableShutdownHook()
            .build()
            .getOpenTelemetrySdk();
    return new Telemetry(
        sdk, queue[0] != null ? queue[0] : SpanQueue.builder(SpanExporter.composite()).build());
  }
}
