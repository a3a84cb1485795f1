package dev.infertrace.agent;

import dev.infertrace.agent.dcgm.DcgmSpanProcessor;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;

/**
 * Adds the DCGM span processor when {@code otel.infertrace.dcgm.endpoint} is set (opt-in), and
 * turns the agent's own openai-java instrumentation off unless the user turned it on: its INTERNAL
 * {@code chat} span would stand beside this extension's CLIENT span for the same call (a default
 * only — set {@code otel.instrumentation.openai-java.enabled=true} and this extension enriches the
 * agent's span instead of making its own). Registered as an SPI; the agent runs it while it builds
 * its SDK, before it installs its instrumentation.
 */
public final class InfertraceAutoConfiguration implements AutoConfigurationCustomizerProvider {
  /** The agent's switch for its openai-java instrumentation. */
  static final String AGENT_OPENAI = "otel.instrumentation.openai-java.enabled";

  @Override
  public void customize(AutoConfigurationCustomizer customizer) {
    customizer.addPropertiesSupplier(
        () ->
            InfertraceConfig.ENABLED
                ? Collections.singletonMap(AGENT_OPENAI, "false")
                : Collections.emptyMap());
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
