package dev.infertrace.proxy;

import dev.infertrace.proxy.export.OtlpJsonFileExporter;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
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

  public static OpenTelemetrySdk create(Role role, @Nullable Path traceFile) throws IOException {
    String service = "infertrace-" + role.wireName();
    if (traceFile != null) {
      return OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .setResource(
                      Resource.getDefault()
                          .merge(Resource.builder().put("service.name", service).build()))
                  .addSpanProcessor(
                      BatchSpanProcessor.builder(OtlpJsonFileExporter.open(traceFile)).build())
                  .build())
          .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
          .build();
    }
    return AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(
            () ->
                Map.of(
                    "otel.service.name", service,
                    "otel.metrics.exporter", "none",
                    "otel.logs.exporter", "none"))
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
  }

  /** No telemetry: spans are created and dropped. */
  public static OpenTelemetry none() {
    return OpenTelemetry.noop();
  }
}
