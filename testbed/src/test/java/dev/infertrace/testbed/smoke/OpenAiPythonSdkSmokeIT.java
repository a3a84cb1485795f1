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
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The OpenAI Python SDK completes a plain and a streaming chat against llm-d-inference-sim. */
@RequiresPeers({Peer.OPENAI_PYTHON, Peer.INFERENCE_SIM})
class OpenAiPythonSdkSmokeIT {
  @Test
  void sdkReadsPlainAndStreamingCompletions(PeerProcesses peers) throws Exception {
    int port = FreePorts.next();
    peers
        .start(
            Peer.INFERENCE_SIM,
            List.of("--port", String.valueOf(port), "--model", "smoke-model", "--mode", "echo"))
        .awaitHttpOk(URI.create("http://127.0.0.1:" + port + "/health"), Duration.ofSeconds(30));

    String prompt = "tell me why this request was slow";
    PeerProcess client =
        peers.start(
            Peer.OPENAI_PYTHON,
            List.of(
                TargetDir.repoRoot()
                    .resolve("testbed/src/test/resources/peers/openai_smoke.py")
                    .toString(),
                "http://127.0.0.1:" + port + "/v1",
                "smoke-model",
                prompt));
    assertThat(client.waitFor(Duration.ofSeconds(60)))
        .as("exit status; log:\n%s", client.logTail(30))
        .isZero();

    String output = Files.readString(client.log()).strip();
    JsonNode result = new ObjectMapper().readTree(output.substring(output.lastIndexOf('\n') + 1));
    assertThat(result.at("/plain/content").asText()).isEqualTo(prompt);
    assertThat(result.at("/plain/finish_reason").asText()).isEqualTo("stop");
    assertThat(result.at("/plain/id").asText()).startsWith("chatcmpl-");
    assertThat(result.at("/stream/content").asText()).isEqualTo(prompt);
    assertThat(result.at("/stream/finish_reasons").toString()).isEqualTo("[\"stop\"]");
    assertThat(result.at("/stream/completion_tokens").asInt())
        .isEqualTo(result.at("/plain/completion_tokens").asInt())
        .isPositive();
  }
}
