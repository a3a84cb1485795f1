package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.PrometheusText;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.export.SpanExporters;
import dev.infertrace.proxy.export.SpanQueue;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Every span the worker makes or relays is accounted for on {@code /metrics}: flooded through a
 * tiny queue into a slow exporter that fails every third export, {@code created = exported +
 * dropped{reason}}, and the exporter received exactly the {@code exported} ones.
 */
class SpanAccountingTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  /** Takes 5 ms per export; every third export fails. */
  private static final class SlowFlakyExporter {
    final AtomicLong received = new AtomicLong();
    final AtomicInteger calls = new AtomicInteger();

    CompletableResultCode export(Collection<SpanData> spans) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (calls.incrementAndGet() % 3 == 0) {
        return CompletableResultCode.ofFailure();
      }
      received.addAndGet(spans.size());
      return CompletableResultCode.ofSuccess();
    }
  }

  @Test
  void everySpanMadeOrRelayedIsExportedOrDroppedWithAReason() throws Exception {
    HttpServer vllm = HttpServer.create(ANY_PORT, 0);
    vllm.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          byte[] body =
              ("{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
                      + "\"message\":{\"role\":\"assistant\",\"content\":\"x\"}}],"
                      + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    vllm.start();
    SlowFlakyExporter exporter = new SlowFlakyExporter();
    ProxyTelemetry.Telemetry telemetry =
        ProxyTelemetry.Telemetry.of(
            "infertrace-worker",
            SpanQueue.builder(SpanExporters.of(exporter::export))
                .maxQueueSize(16)
                .maxExportBatchSize(4)
                .scheduleDelay(Duration.ofMillis(1)));
    ProxyConfig config =
        ProxyConfig.loopback(
            Role.WORKER, List.of(URI.create("http://127.0.0.1:" + vllm.getAddress().getPort())));
    int requests = 200;
    int exports = 40;
    int spansPerExport = 25;
    try (ProxyRuntime worker =
        ProxyRuntime.builder(config)
            .telemetry(telemetry)
            .engineReceiver(new EngineReceiver(ANY_PORT, ANY_PORT, true, Duration.ZERO))
            .admin(ANY_PORT)
            .start()) {
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        sent.add(
            HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create(worker.baseUrl() + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      URI otlp = URI.create("http://127.0.0.1:" + worker.receiver().httpPort() + "/v1/traces");
      List<CompletableFuture<HttpResponse<String>>> relayed = new ArrayList<>();
      for (int i = 0; i < exports; i++) {
        relayed.add(
            HTTP.sendAsync(
                HttpRequest.newBuilder(otlp)
                    .header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(engineSpans(spansPerExport)))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      for (var r : sent) {
        assertThat(r.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }
      for (var r : relayed) {
        assertThat(r.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }
      // Stream-measured phases are emitted after the (zero) wait, off the event loop.
      Thread.sleep(200);
      assertThat(telemetry.spans().forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();

      Exposition page =
          PrometheusText.parse(
              HTTP.send(
                      HttpRequest.newBuilder(
                              URI.create(
                                  "http://127.0.0.1:"
                                      + worker.admin().address().getPort()
                                      + "/metrics"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
      double created = page.value("infertrace_spans_created_total");
      double exported = page.value("infertrace_spans_total", "outcome", "exported");
      double queueFull = dropped(page, "queue_full");
      double exportFailed = dropped(page, "export_failed");
      double queued = page.value("infertrace_spans_queued");
      assertThat(created)
          .as("every request's SERVER span and every relayed vLLM span")
          .isGreaterThanOrEqualTo(requests + exports * spansPerExport);
      assertThat(queued).isZero();
      assertThat(exported + queueFull + exportFailed + dropped(page, "shutdown"))
          .as("created = exported + dropped{reason}")
          .isEqualTo(created);
      assertThat(queueFull).as("the tiny queue overflowed").isPositive();
      assertThat(exportFailed).as("failed exports are labelled apart").isPositive();
      assertThat(exported).isEqualTo(exporter.received.get());
    } finally {
      vllm.stop(0);
    }
  }

  private static double dropped(Exposition page, String reason) {
    return page.value("infertrace_spans_total", "outcome", "dropped", "reason", reason);
  }

  private static byte[] engineSpans(int n) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < n; i++) {
      byte[] trace = new byte[16];
      byte[] span = new byte[8];
      ThreadLocalRandom.current().nextBytes(trace);
      ThreadLocalRandom.current().nextBytes(span);
      scope.addSpans(
          Span.newBuilder()
              .setTraceId(ByteString.copyFrom(trace))
              .setSpanId(ByteString.copyFrom(span))
              .setName("engine_step")
              .setStartTimeUnixNano(1_000_000_000L)
              .setEndTimeUnixNano(2_000_000_000L));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope))
        .build()
        .toByteArray();
  }
}
