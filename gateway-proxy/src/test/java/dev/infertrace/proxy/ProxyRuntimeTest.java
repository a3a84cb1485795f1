package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.export.SpanQueue;
import dev.infertrace.proxy.testing.RecordingExporter;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ProxyRuntime} on loopback: it serves, its admin listener answers, it closes once. */
class ProxyRuntimeTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  private HttpServer upstream;

  @BeforeEach
  void startUpstream() throws IOException {
    upstream = HttpServer.create(ANY_PORT, 0);
    upstream.createContext(
        "/",
        exchange -> {
          byte[] body = "{\"data\":[]}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    upstream.start();
  }

  @AfterEach
  void stopUpstream() {
    upstream.stop(0);
  }

  private ProxyConfig config(Role role) {
    return ProxyConfig.loopback(
        role, List.of(URI.create("http://127.0.0.1:" + upstream.getAddress().getPort())));
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String adminUrl(InetSocketAddress admin) {
    return "http://127.0.0.1:" + admin.getPort();
  }

  @Test
  void servesThroughTheProxyAndItsAdminListenerThenClosesEverythingOnce() throws Exception {
    ProxyRuntime runtime =
        ProxyRuntime.builder(config(Role.INGRESS))
            .openTelemetry(OpenTelemetry.noop())
            .admin(ANY_PORT)
            .start();
    InetSocketAddress admin = runtime.admin().address();
    int proxyPort = runtime.address().getPort();
    try {
      HttpResponse<String> r = get(runtime.baseUrl() + "/v1/models");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"data\":[]}");

      assertThat(get(adminUrl(admin) + "/ready").statusCode()).isEqualTo(200);
      assertThat(get(adminUrl(admin) + "/health").body()).isEqualTo("ok\n");
      assertThat(get(adminUrl(admin) + "/metrics").body())
          .contains("infertrace_spans_total{outcome=\"exported\"} 0")
          .endsWith("# EOF\n");
    } finally {
      runtime.close();
    }
    assertThat(runtime.server().isOpen()).isFalse();
    runtime.close(); // a second close does nothing
    // Raw connects: a pooled keep-alive connection of the HTTP client would prove nothing.
    assertThatThrownBy(() -> new Socket("127.0.0.1", admin.getPort()).close())
        .as("the admin listener is closed")
        .isInstanceOf(ConnectException.class);
    assertThatThrownBy(() -> new Socket("127.0.0.1", proxyPort).close())
        .as("the proxy listener is closed")
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void theWorkerReceivesEngineSpansAndOwnedTelemetryIsFlushedAndShutDownOnClose() throws Exception {
    RecordingExporter exporter = new RecordingExporter();
    ProxyTelemetry.Telemetry telemetry = telemetry(exporter);
    try (ProxyRuntime worker =
        ProxyRuntime.builder(config(Role.WORKER))
            .telemetry(telemetry)
            .engineReceiver(new EngineReceiver(ANY_PORT, ANY_PORT, true, Duration.ofSeconds(1)))
            .admin(ANY_PORT)
            .start()) {
      assertThat(worker.receiver()).isNotNull();
      assertThat(worker.enginePhases()).isNotNull();
      assertThat(worker.receiver().grpcPort()).isPositive();
      assertThat(get(worker.baseUrl() + "/v1/models").statusCode()).isEqualTo(200);
      // The OTLP/HTTP receiver answers: an empty export is accepted.
      HttpResponse<String> export =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + worker.receiver().httpPort() + "/v1/traces"))
                  .header("Content-Type", "application/x-protobuf")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(export.statusCode()).isEqualTo(200);
      // The exact-phase matcher's counts are on the worker's /metrics.
      assertThat(worker.server().metrics().render())
          .contains(
              "infertrace_engine_phases_total{source=\"engine\"} 0",
              "infertrace_engine_phases_total{source=\"stream\"} 0",
              "infertrace_engine_spans_relayed_total 0");
    }
    assertThat(exporter.spans).as("the worker's SERVER span, flushed on close").isNotEmpty();
    assertThat(exporter.shutdown).isTrue();
    assertThat(telemetry.spans().counts().exported()).isEqualTo(exporter.spans.size());
  }

  @Test
  void aFailedStartClosesWhatItWasGiven() throws Exception {
    RecordingExporter exporter = new RecordingExporter();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ProxyConfig busy =
          config(Role.INGRESS).toBuilder()
              .listen(new InetSocketAddress("127.0.0.1", taken.getLocalPort()))
              .build();
      assertThatThrownBy(() -> ProxyRuntime.builder(busy).telemetry(telemetry(exporter)).start())
          .hasMessageContaining("Address already in use");
    }
    assertThat(exporter.shutdown).as("the owned SDK is shut down").isTrue();
  }

  @Test
  void theBuilderRefusesAmbiguousTelemetry() {
    ProxyTelemetry.Telemetry telemetry = telemetry(new RecordingExporter());
    try {
      assertThatThrownBy(
              () ->
                  ProxyRuntime.builder(config(Role.INGRESS))
                      .telemetry(telemetry)
                      .openTelemetry(OpenTelemetry.noop())
                      .start())
          .hasMessageContaining("not both");
      assertThatThrownBy(() -> ProxyRuntime.builder(config(Role.INGRESS)).start())
          .hasMessageContaining("is required");
      assertThatThrownBy(
              () ->
                  ProxyRuntime.builder(config(Role.WORKER))
                      .openTelemetry(OpenTelemetry.noop())
                      .engineReceiver(
                          new EngineReceiver(ANY_PORT, ANY_PORT, true, Duration.ofSeconds(1)))
                      .start())
          .hasMessageContaining("engineReceiver(...) needs telemetry(...)");
    } finally {
      telemetry.sdk().close();
    }
  }

  @Test
  void theConfigBuilderNamesTheFlagOfABadValue() {
    ProxyConfig.Builder b = config(Role.INGRESS).toBuilder();
    assertThatThrownBy(() -> b.ioThreads(0).build()).hasMessage("--io-threads must be >= 1, got 0");
    assertThatThrownBy(() -> b.ioThreads(1).sniffLimitBytes(-1).build())
        .hasMessage("--sniff-limit must be >= 0, got -1");
    assertThatThrownBy(() -> b.sniffLimitBytes(0).upstreams(List.of()).build())
        .hasMessage("--upstream is required");
  }

  @Test
  void theRequestPathWarmUpBeforeListeningReachesNoUpstreamSpanOrMetric() throws Exception {
    // Every start runs requests through a copy of the pipeline first (RequestPathWarmUp).
    // None of them may reach the configured upstream, the proxy's span export or its /metrics;
    // the one real request afterwards reaches all three.
    java.util.concurrent.atomic.AtomicInteger upstreamRequests =
        new java.util.concurrent.atomic.AtomicInteger();
    upstream.createContext(
        "/v1/chat/completions",
        exchange -> {
          upstreamRequests.incrementAndGet();
          exchange.getRequestBody().readAllBytes();
          byte[] body =
              ("{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"m\","
                      + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                      + "\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                      + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,"
                      + "\"total_tokens\":2}}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    RecordingExporter exporter = new RecordingExporter();
    ProxyTelemetry.Telemetry telemetry = telemetry(exporter);
    try (ProxyRuntime worker =
        ProxyRuntime.builder(config(Role.WORKER)).telemetry(telemetry).admin(ANY_PORT).start()) {
      telemetry
          .sdk()
          .getSdkTracerProvider()
          .forceFlush()
          .join(10, java.util.concurrent.TimeUnit.SECONDS);
      String metrics = get(adminUrl(worker.admin().address()) + "/metrics").body();
      assertThat(upstreamRequests).as("requests that reached the upstream at start").hasValue(0);
      assertThat(exporter.spans).as("spans exported at start").isEmpty();
      assertThat(metrics)
          .contains("infertrace_spans_created_total 0\n")
          .doesNotContain("infertrace_requests_total{");

      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(worker.baseUrl() + "/v1/chat/completions"))
                  .timeout(Duration.ofSeconds(10))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                              + "\"content\":\"hi\"}]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      // The SERVER span ends, and the request is counted, once the response is delivered: that
      // may come after the client read it.
      String counted = "infertrace_requests_total{status=\"200\"} 1\n";
      long deadline = System.nanoTime() + 10_000_000_000L;
      while ((exporter.spans.isEmpty() || !metrics.contains(counted))
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
        telemetry
            .sdk()
            .getSdkTracerProvider()
            .forceFlush()
            .join(10, java.util.concurrent.TimeUnit.SECONDS);
        metrics = get(adminUrl(worker.admin().address()) + "/metrics").body();
      }
      assertThat(upstreamRequests).hasValue(1);
      assertThat(exporter.spans).isNotEmpty();
      assertThat(metrics).contains(counted);
    }
  }

  private static ProxyTelemetry.Telemetry telemetry(SpanExporter exporter) {
    return ProxyTelemetry.Telemetry.of("infertrace-test", SpanQueue.builder(exporter));
  }
}
