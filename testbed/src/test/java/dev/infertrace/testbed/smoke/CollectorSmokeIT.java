package dev.infertrace.testbed.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.junit.PeerProcess;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.junit.TargetDir;
import dev.infertrace.testbed.peers.Peer;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The OCB-built collector has every component of collector-config/builder-config.yaml, and a span
 * sent with the OTel SDK (OTLP gRPC and OTLP HTTP) comes back out of its file exporter.
 */
@RequiresPeers(Peer.COLLECTOR)
class CollectorSmokeIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void builtCollectorHasEveryComponentOfTheManifest(PeerProcesses peers) throws IOException {
    PeerProcess components = peers.start(Peer.COLLECTOR, List.of("components"));
    assertThat(components.waitFor(Duration.ofSeconds(30))).isZero();
    String listed = Files.readString(components.log());

    List<String> modules = new ArrayList<>();
    var gomod =
        Pattern.compile("gomod: \\S+/(\\w+) v\\S+")
            .matcher(
                Files.readString(
                    TargetDir.repoRoot().resolve("collector-config/builder-config.yaml")));
    while (gomod.find()) {
      modules.add(gomod.group(1));
    }
    assertThat(modules).hasSizeGreaterThanOrEqualTo(12);
    for (String module : modules) {
      assertThat(listed).as("components output lists %s", module).contains(module);
    }
  }

  @Test
  void spansSentOverGrpcAndHttpReachTheFileExporter(PeerProcesses peers) throws Exception {
    int grpcPort = FreePorts.next();
    int httpPort = FreePorts.next();
    int healthPort = FreePorts.next();
    Path spansFile = peers.workDir().resolve("spans.jsonl");
    Path config = peers.workDir().resolve("collector.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "receivers:",
            "  otlp:",
            "    protocols:",
            "      grpc: {endpoint: \"127.0.0.1:" + grpcPort + "\"}",
            "      http: {endpoint: \"127.0.0.1:" + httpPort + "\"}",
            "exporters:",
            "  file: {path: \"" + spansFile + "\", flush_interval: 100ms}",
            "extensions:",
            "  health_check: {endpoint: \"127.0.0.1:" + healthPort + "\"}",
            "service:",
            "  extensions: [health_check]",
            "  telemetry: {metrics: {level: none}}",
            "  pipelines:",
            "    traces: {receivers: [otlp], exporters: [file]}",
            ""));
    PeerProcess validate = peers.start(Peer.COLLECTOR, List.of("validate", "--config=" + config));
    assertThat(validate.waitFor(Duration.ofSeconds(30)))
        .as("otelcol validate; log:\n%s", validate.logTail(20))
        .isZero();

    peers
        .start(Peer.COLLECTOR, List.of("--config=" + config))
        .awaitHttpOk(URI.create("http://127.0.0.1:" + healthPort + "/"), Duration.ofSeconds(30));

    SpanContext overGrpc =
        SmokeSpans.emit(
            OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + grpcPort).build());
    SpanContext overHttp =
        SmokeSpans.emit(
            OtlpHttpSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + httpPort + "/v1/traces")
                .build());

    for (SpanContext sent : List.of(overGrpc, overHttp)) {
      List<JsonNode> spans = awaitTrace(spansFile, sent.getTraceId(), Duration.ofSeconds(20));
      assertThat(spans)
          .extracting(span -> span.get("name").asText())
          .containsExactlyInAnyOrder(SmokeSpans.ROOT_SPAN, SmokeSpans.CHILD_SPAN);
      JsonNode root =
          spans.stream()
              .filter(span -> span.get("name").asText().equals(SmokeSpans.ROOT_SPAN))
              .findFirst()
              .orElseThrow();
      assertThat(root.get("spanId").asText()).isEqualTo(sent.getSpanId());
      assertThat(root.get("kind").asInt()).as("SPAN_KIND_SERVER").isEqualTo(2);
    }
  }

  /** Reads the file exporter's OTLP JSON lines until both spans of {@code traceId} are there. */
  private static List<JsonNode> awaitTrace(Path file, String traceId, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<JsonNode> found = new ArrayList<>();
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file)) {
          if (line.isBlank()) {
            continue;
          }
          for (JsonNode resourceSpans : JSON.readTree(line).path("resourceSpans")) {
            for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
              for (JsonNode span : scopeSpans.path("spans")) {
                if (span.path("traceId").asText().equals(traceId)) {
                  found.add(span);
                }
              }
            }
          }
        }
      }
      if (found.size() >= 2 || System.nanoTime() > deadline) {
        return found;
      }
      Thread.sleep(100);
    }
  }
}
