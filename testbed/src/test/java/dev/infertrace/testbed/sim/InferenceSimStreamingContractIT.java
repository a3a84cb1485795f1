package dev.infertrace.testbed.sim;

import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.peers.Peer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/** The same streaming client contract against llm-d-inference-sim (a real peer). */
@RequiresPeers(Peer.INFERENCE_SIM)
class InferenceSimStreamingContractIT extends StreamingClientContract {
  private String baseUrl;

  @BeforeEach
  void start(PeerProcesses peers) {
    int port = FreePorts.next();
    baseUrl = "http://127.0.0.1:" + port;
    peers
        .start(
            Peer.INFERENCE_SIM,
            List.of(
                "--port", String.valueOf(port),
                "--model", model(),
                "--mode", "random",
                "--time-to-first-token", "10ms",
                "--inter-token-latency", "1ms"))
        .awaitHttpOk(URI.create(baseUrl + "/health"), Duration.ofSeconds(30));
  }

  @Override
  String baseUrl() {
    return baseUrl;
  }

  @Override
  String model() {
    return "contract-model";
  }
}
