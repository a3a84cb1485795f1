package dev.infertrace.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.infertrace.proxy.ProxyMain;
import dev.infertrace.testbed.sim.Sim;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Metric;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** --otlp-metrics pushes the live figures as OTLP/HTTP metrics a receiver can decode. */
class LiveMetricsTest {

  @Test
  void theRunsRequestsAndLatenciesArriveAsOtlpMetrics() throws Exception {
    List<ExportMetricsServiceRequest> received = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/v1/metrics",
        exchange -> {
          received.add(ExportMetricsServiceRequest.parseFrom(exchange.getRequestBody()));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    receiver.start();
    try (Sim sim = BenchConfigs.twin()) {
      CommandLine cli = ProxyMain.commandLine();
      StringWriter err = new StringWriter();
      cli.setErr(new PrintWriter(err, true));
      cli.setOut(new PrintWriter(new StringWriter(), true));
      int status =
          cli.execute(
              "load",
              "--url",
              sim.baseUrl(),
              "--model",
              "m",
              "-c",
              "2",
              "-n",
              "6",
              "--output-tokens",
              "5",
              "--otlp-metrics",
              "http://127.0.0.1:" + receiver.getAddress().getPort(),
              "--otlp-metrics-interval",
              "250ms");
      assertThat(status).as(err.toString()).isZero();
    } finally {
      receiver.stop(0);
    }

    // cumulative: the last export holds the whole run
    assertThat(received).isNotEmpty();
    ExportMetricsServiceRequest last = received.get(received.size() - 1);
    assertThat(sum(last, LiveMetrics.REQUESTS)).isEqualTo(6);
    assertThat(sum(last, LiveMetrics.OUTPUT_TOKENS)).isEqualTo(30);
    assertThat(histogramCount(last, LiveMetrics.TTFT)).isEqualTo(6);
    assertThat(histogramCount(last, LiveMetrics.E2E)).isEqualTo(6);
    assertThat(histogramCount(last, LiveMetrics.ITL)).as("4 gaps per request").isEqualTo(24);
    assertThat(metrics(last)).extracting(Metric::getName).contains(LiveMetrics.IN_FLIGHT);
    assertThat(metrics(last).stream().filter(m -> m.getName().equals(LiveMetrics.TTFT)))
        .allSatisfy(m -> assertThat(m.getUnit()).isEqualTo("s"));
  }

  private static List<Metric> metrics(ExportMetricsServiceRequest r) {
    return r.getResourceMetricsList().stream()
        .flatMap(rm -> rm.getScopeMetricsList().stream())
        .flatMap(sm -> sm.getMetricsList().stream())
        .toList();
  }

  private static long sum(ExportMetricsServiceRequest r, String name) {
    return metrics(r).stream()
        .filter(m -> m.getName().equals(name))
        .flatMap(m -> m.getSum().getDataPointsList().stream())
        .mapToLong(p -> p.getAsInt())
        .sum();
  }

  private static long histogramCount(ExportMetricsServiceRequest r, String name) {
    return metrics(r).stream()
        .filter(m -> m.getName().equals(name))
        .flatMap(m -> m.getHistogram().getDataPointsList().stream())
        .mapToLong(p -> p.getCount())
        .sum();
  }
}
