package dev.infertrace.testbed.junit;

import dev.infertrace.testbed.peers.Peer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The real Jaeger v2 (in-memory storage) started for a test on free loopback ports, healthy before
 * it is returned: OTLP in, the query API out.
 *
 * @param otlpGrpc its OTLP/gRPC receiver port
 * @param queryHttp its query service's HTTP port (api/v3)
 */
public record JaegerPeer(int otlpGrpc, int queryHttp) {
  public static JaegerPeer start(PeerProcesses peers) throws Exception {
    int otlpGrpc = FreePorts.next();
    int otlpHttp = FreePorts.next();
    int queryHttp = FreePorts.next();
    int queryGrpc = FreePorts.next();
    int health = FreePorts.next();
    Path config = peers.workDir().resolve("jaeger.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "service:",
            "  extensions: [jaeger_storage, jaeger_query, healthcheckv2]",
            "  pipelines:",
            "    traces: {receivers: [otlp], processors: [batch], exporters: [jaeger_storage_exporter]}",
            "  telemetry: {metrics: {level: none}}",
            "extensions:",
            "  healthcheckv2:",
            "    use_v2: true",
            "    http: {endpoint: \"127.0.0.1:" + health + "\"}",
            "  jaeger_storage:",
            "    backends:",
            "      memstore: {memory: {max_traces: 10000}}",
            "  jaeger_query:",
            "    storage: {traces: memstore}",
            "    http: {endpoint: \"127.0.0.1:" + queryHttp + "\"}",
            "    grpc: {endpoint: \"127.0.0.1:" + queryGrpc + "\"}",
            "receivers:",
            "  otlp:",
            "    protocols:",
            "      grpc: {endpoint: \"127.0.0.1:" + otlpGrpc + "\"}",
            "      http: {endpoint: \"127.0.0.1:" + otlpHttp + "\"}",
            "processors:",
            "  batch: {timeout: 100ms}",
            "exporters:",
            "  jaeger_storage_exporter: {trace_storage: memstore}",
            ""));
    peers
        .start(Peer.JAEGER, List.of("--config", config.toString()))
        .awaitHttpOk(URI.create("http://127.0.0.1:" + health + "/status"), Duration.ofSeconds(60));
    return new JaegerPeer(otlpGrpc, queryHttp);
  }
}
