package dev.infertrace.agent;

import dev.infertrace.agent.dcgm.DcgmSpanProcessor;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import java.net.URI;
import java.time.Duration;

/**
 * Adds the DCGM span processor when {@code otel.infertrace.dcgm.endpoint} is set (opt-in).
 * Registered as an SPI; the agent runs it while it builds its SDK.
 */
public final class InfertraceAutoConfiguration implements AutoConfigurationCustomizerProvider {
  @Override
  public void customize(AutoConfigurationCustomizer customizer) {
    customizer.addTracerProviderCustomizer(
        (builder, config) -> {
          String endpoint = InfertraceConfig.getOrNull("dcgm.endpoint");
          if (endpoint == null) {
            return builder;
          }
          URI uri;
          try {
            uri = URI.create(endpoint);
            if (uri.getHost() == null) {
              throw new IllegalArgumentException("no host");
            }
          } catch (IllegalArgumentException e) {
            System.err.println(
                "infertrace: otel.infertrace.dcgm.endpoint='"
                    + endpoint
                    + "' is not a URL like http://host:9400/metrics; GPU attributes are off");
            return builder;
          }
          Duration interval =
              Duration.ofMillis(Long.parseLong(InfertraceConfig.get("dcgm.interval.ms", "5000")));
          return builder.addSpanProcessor(
              new DcgmSpanProcessor(uri, interval, InfertraceResourceProvider.gpuUuids()));
        });
  }
}
