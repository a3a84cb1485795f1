package dev.infertrace.proxy.export;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * The span exporter's OTLP/gRPC settings, read from the standard variables as the SDK reads them:
 * each {@code OTEL_EXPORTER_OTLP_TRACES_*} over its {@code OTEL_EXPORTER_OTLP_*} (or the {@code
 * otel.exporter.otlp.*} system properties): endpoint (default {@code http://localhost:4317}),
 * headers (values percent-decoded), timeout (10 s), compression ({@code gzip} or {@code none}),
 * certificate, client key and client certificate (PEM files), and {@code
 * otel.java.exporter.otlp.retry.disabled}.
 */
public record OtlpGrpcSettings(
    URI endpoint,
    Map<String, String> headers,
    Duration timeout,
    boolean gzip,
    @Nullable Path trustedCertificates,
    @Nullable Path clientKey,
    @Nullable Path clientCertificate,
    boolean retry) {

  /**
   * The settings when the traces protocol is {@code grpc} (the SDK's default), else null: other
   * protocols stay with the SDK's exporter.
   */
  @Nullable
  public static OtlpGrpcSettings from(ConfigProperties config) {
    String protocol = get(config, "protocol");
    if (protocol != null && !"grpc".equals(protocol.strip().toLowerCase(Locale.ROOT))) {
      return null;
    }
    String endpoint = get(config, "endpoint");
    URI uri = URI.create(endpoint == null ? "http://localhost:4317" : endpoint.strip());
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw new ConfigurationException(
          "OTLP endpoint must be an http:// or https:// URL with a host, got '" + endpoint + "'");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    Map<String, String> raw = config.getMap("otel.exporter.otlp.traces.headers");
    if (raw.isEmpty()) {
      raw = config.getMap("otel.exporter.otlp.headers");
    }
    raw.forEach(
        (k, v) ->
            headers.put(k.toLowerCase(Locale.ROOT), URLDecoder.decode(v, StandardCharsets.UTF_8)));
    Duration timeout = config.getDuration("otel.exporter.otlp.traces.timeout");
    if (timeout == null) {
      timeout = config.getDuration("otel.exporter.otlp.timeout", Duration.ofSeconds(10));
    }
    String compression = get(config, "compression");
    boolean gzip = false;
    if (compression != null) {
      switch (compression.strip().toLowerCase(Locale.ROOT)) {
        case "gzip" -> gzip = true;
        case "none" -> gzip = false;
        default ->
            throw new ConfigurationException(
                "OTLP compression must be gzip or none, got '" + compression + "'");
      }
    }
    return new OtlpGrpcSettings(
        uri,
        Map.copyOf(headers),
        timeout,
        gzip,
        path(config, "certificate"),
        path(config, "client.key"),
        path(config, "client.certificate"),
        !config.getBoolean("otel.java.exporter.otlp.retry.disabled", false));
  }

  @Nullable
  private static String get(ConfigProperties config, String name) {
    String v = config.getString("otel.exporter.otlp.traces." + name);
    return v != null ? v : config.getString("otel.exporter.otlp." + name);
  }

  @Nullable
  private static Path path(ConfigProperties config, String name) {
    String v = get(config, name);
    return v == null || v.isBlank() ? null : Path.of(v.strip());
  }
}
