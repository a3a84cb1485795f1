package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infertrace.proxy.export.OtlpGrpcExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

/**
 * Which OTLP exporter a proxy ends up with, for each protocol and {@code INFERTRACE_OTLP_EXPORTER}.
 */
class ProxyTelemetryTest {
  private static final ConfigProperties GRPC =
      DefaultConfigProperties.createFromMap(
          Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:4317"));

  @Test
  void theSdksGrpcExporterIsReplacedByOursUnlessTheOperatorAsksForTheSdks() {
    for (String choice : new String[] {null, "", "infertrace", " INFERTRACE "}) {
      SpanExporter chosen =
          ProxyTelemetry.otlpGrpc(OtlpGrpcSpanExporter.getDefault(), GRPC, choice);
      assertThat(chosen).as("choice %s", choice).isInstanceOf(OtlpGrpcExporter.class);
      chosen.shutdown().join(10, TimeUnit.SECONDS);
    }
    SpanExporter sdk = OtlpGrpcSpanExporter.getDefault();
    assertThat(ProxyTelemetry.otlpGrpc(sdk, GRPC, "sdk")).isSameAs(sdk);
    assertThatThrownBy(() -> ProxyTelemetry.otlpGrpc(sdk, GRPC, "okhttp"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("INFERTRACE_OTLP_EXPORTER must be infertrace or sdk");
    sdk.shutdown();
  }

  @Test
  void otherExportersAndProtocolsStayAsTheSdkBuiltThem() {
    SpanExporter http = OtlpHttpSpanExporter.getDefault();
    assertThat(ProxyTelemetry.otlpGrpc(http, GRPC, null)).isSameAs(http);
    http.shutdown();
    SpanExporter grpc = OtlpGrpcSpanExporter.getDefault();
    ConfigProperties httpProtocol =
        DefaultConfigProperties.createFromMap(
            Map.of("otel.exporter.otlp.traces.protocol", "http/protobuf"));
    assertThat(ProxyTelemetry.otlpGrpc(grpc, httpProtocol, null)).isSameAs(grpc);
    grpc.shutdown();
  }

  @Test
  void settingsOursCannotUseKeepTheSdksExporterWithAWarning() {
    // tried: a client key file that does not exist on an https endpoint
    ConfigProperties badKey =
        DefaultConfigProperties.createFromMap(
            Map.of(
                "otel.exporter.otlp.endpoint", "https://127.0.0.1:4317",
                "otel.exporter.otlp.client.key", "/nonexistent/key.pem",
                "otel.exporter.otlp.client.certificate", "/nonexistent/cert.pem"));
    List<String> logged = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logged.add(new SimpleFormatter().formatMessage(r));
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger log = Logger.getLogger(ProxyTelemetry.class.getName());
    log.addHandler(capture);
    SpanExporter sdk = OtlpGrpcSpanExporter.getDefault();
    try {
      assertThat(ProxyTelemetry.otlpGrpc(sdk, badKey, null)).isSameAs(sdk);
    } finally {
      log.removeHandler(capture);
      sdk.shutdown();
    }
    assertThat(logged)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("keeping the SDK's OTLP/gRPC exporter: infertrace's could not be built")
        .contains("/nonexistent/key.pem");
  }
}
