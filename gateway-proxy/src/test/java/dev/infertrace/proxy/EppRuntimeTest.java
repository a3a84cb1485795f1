package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infertrace.proxy.export.SpanQueue;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The epp interposer's runtime: its admin listener reports readiness and span counts. */
class EppRuntimeTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  private static HttpResponse<String> get(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theAdminListenerServesReadyAndSpanCountsUntilClosed() throws Exception {
    // The EPP itself need not run: the interposer connects to it per stream.
    EppRuntime epp =
        EppRuntime.builder(
                ANY_PORT,
                new InetSocketAddress("127.0.0.1", 9),
                ProxyTelemetry.Telemetry.of(
                    "infertrace-epp", SpanQueue.builder(SpanExporter.composite())))
            .admin(ANY_PORT)
            .start();
    String admin = "http://127.0.0.1:" + epp.admin().address().getPort();
    try {
      assertThat(epp.port()).isPositive();
      HttpResponse<String> ready = get(admin + "/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).isEqualTo("ready\n");
      assertThat(get(admin + "/health").statusCode()).isEqualTo(200);
      HttpResponse<String> metrics = get(admin + "/metrics");
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/openmetrics-text"));
      assertThat(metrics.body())
          .contains("infertrace_spans_total{outcome=\"exported\"} 0\n")
          .contains("infertrace_spans_total{outcome=\"dropped\",reason=\"queue_full\"} 0\n")
          .endsWith("# EOF\n");
    } finally {
      epp.close();
    }
    epp.close(); // a second close does nothing
    int adminPort = URI.create(admin).getPort();
    assertThatThrownBy(() -> new Socket("127.0.0.1", adminPort).close())
        .as("the admin listener is closed")
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void theMetricsPageCountsWhatTheExporterDid() {
    assertThat(EppRuntime.metricsPage(new SpanQueue.Counts(12, 7, 2, 1, 0, 2)))
        .contains(
            "infertrace_spans_created_total 12\n",
            "infertrace_spans_total{outcome=\"exported\"} 7\n",
            "infertrace_spans_total{outcome=\"dropped\",reason=\"queue_full\"} 2\n",
            "infertrace_spans_total{outcome=\"dropped\",reason=\"export_failed\"} 1\n",
            "infertrace_spans_queued 2\n")
        .endsWith("# EOF\n");
  }
}
