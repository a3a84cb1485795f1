package dev.infertrace.testbed.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.testbed.junit.JaegerPeer;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.peers.Peer;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A span sent to Jaeger v2 over OTLP gRPC is served back by its {@code /api/v3/traces} API. */
@RequiresPeers(Peer.JAEGER)
class JaegerSmokeIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void spanSentOverOtlpIsReadBackThroughApiV3(PeerProcesses peers) throws Exception {
    JaegerPeer jaegerPeer = JaegerPeer.start(peers);
    int otlpGrpc = jaegerPeer.otlpGrpc();
    int queryHttp = jaegerPeer.queryHttp();

    SpanContext sent =
        SmokeSpans.emit(
            OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + otlpGrpc).build());

    URI trace = URI.create("http://127.0.0.1:" + queryHttp + "/api/v3/traces/" + sent.getTraceId());
    List<JsonNode> spans = awaitSpans(trace, Duration.ofSeconds(20));
    assertThat(spans)
        .extracting(span -> span.get("name").asText())
        .containsExactlyInAnyOrder(SmokeSpans.ROOT_SPAN, SmokeSpans.CHILD_SPAN);
    JsonNode child =
        spans.stream()
            .filter(span -> span.get("name").asText().equals(SmokeSpans.CHILD_SPAN))
            .findFirst()
            .orElseThrow();
    assertThat(child.get("parentSpanId").asText()).isEqualTo(sent.getSpanId());
  }

  private static List<JsonNode> awaitSpans(URI uri, Duration timeout) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
      last = response.statusCode() + " " + response.body();
      if (response.statusCode() == 200) {
        List<JsonNode> spans = new ArrayList<>();
        for (JsonNode resourceSpans : JSON.readTree(response.body()).at("/result/resourceSpans")) {
          for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
            scopeSpans.path("spans").forEach(spans::add);
          }
        }
        if (spans.size() >= 2) {
          return spans;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "trace not served by " + uri + " within " + timeout + "; last: " + last);
  }
}
