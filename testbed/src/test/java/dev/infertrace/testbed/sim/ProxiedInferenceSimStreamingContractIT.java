package dev.infertrace.testbed.sim;

import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.peers.Peer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The streaming client contract against llm-d-inference-sim (a real peer) behind a worker proxy.
 */
@RequiresPeers(Peer.INFERENCE_SIM)
class ProxiedInferenceSimStreamingContractIT extends StreamingClientContract {
  private ProxyRuntime worker;
  private OpenTelemetrySdk sdk;

  @BeforeEach
  void start(PeerProcesses peers) throws Exception {
    int port = FreePorts.next();
    String sim = "http://127.0.0.1:" + port;
    peers
        .start(
            Peer.INFERENCE_SIM,
            List.of(
                "--port", String.valueOf(port),
                "--model", model(),
                "--mode", "random",
                "--time-to-first-token", "10ms",
                "--inter-token-latency", "1ms"))
        .awaitHttpOk(URI.create(sim + "/health"), Duration.ofSeconds(30));
    sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    worker =
        ProxyRuntime.builder(ProxyConfig.loopback(Role.WORKER, List.of(URI.create(sim))))
            .openTelemetry(sdk)
            .start();
  }

  @AfterEach
  void stop() {
    if (worker != null) {
      worker.close();
    }
    if (sdk != null) {
      sdk.close();
    }
  }

  @Override
  String baseUrl() {
    return worker.baseUrl();
  }

  @Override
  String model() {
    return "contract-model";
  }
}
