package dev.infertrace.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infertrace.testbed.junit.PeerProcess;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.junit.TargetDir;
import dev.infertrace.testbed.peers.Peer;
import dev.infertrace.testbed.sim.engine.Tokenizer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The OpenAI Python SDK (a real client) reads the twin's plain and streamed answers alike. */
@RequiresPeers(Peer.OPENAI_PYTHON)
class OpenAiPythonSdkTwinIT {

  @Test
  void sdkGetsTheSameDeterministicAnswerStreamedAndNot(PeerProcesses peers) throws Exception {
    try (Sim sim = Sim.start(SimTestConfigs.fast("twin-model"))) {
      PeerProcess client =
          peers.start(
              Peer.OPENAI_PYTHON,
              List.of(
                  TargetDir.repoRoot()
                      .resolve("testbed/src/test/resources/peers/openai_smoke.py")
                      .toString(),
                  sim.baseUrl() + "/v1",
                  "twin-model",
                  "why was this request slow"));
      assertThat(client.waitFor(Duration.ofSeconds(60)))
          .as("exit status; log:\n%s", client.logTail(30))
          .isZero();

      String output = Files.readString(client.log()).strip();
      JsonNode result = OpenAiClient.parse(output.substring(output.lastIndexOf('\n') + 1));
      String plain = result.at("/plain/content").asText();
      assertThat(plain).isNotEmpty().isEqualTo(result.at("/stream/content").asText());
      assertThat(result.at("/plain/finish_reason").asText()).isEqualTo("stop");
      assertThat(result.at("/stream/finish_reasons").toString()).isEqualTo("[\"stop\"]");
      assertThat(result.at("/stream/completion_tokens").asInt())
          .isEqualTo(result.at("/plain/completion_tokens").asInt())
          .isEqualTo(Tokenizer.count(plain));
    }
  }

  @Test
  void throughTheTracingProxiesTheSdkGetsExactlyWhatItGetsDirectly(PeerProcesses peers)
      throws Exception {
    try (dev.infertrace.testbed.e2e.TracedStack stack =
        new dev.infertrace.testbed.e2e.TracedStack(SimTestConfigs.fast("twin-model"))) {
      JsonNode direct = runSdk(peers, stack.sim.baseUrl());
      JsonNode proxied = runSdk(peers, stack.ingress.baseUrl());

      for (String field :
          List.of(
              "/plain/content",
              "/plain/finish_reason",
              "/plain/completion_tokens",
              "/stream/content",
              "/stream/finish_reasons",
              "/stream/chunks",
              "/stream/completion_tokens")) {
        assertThat(proxied.at(field)).as(field).isEqualTo(direct.at(field));
      }
      assertThat(proxied.at("/plain/content").asText()).isNotEmpty();
      stack.sink.awaitSpans(
          s -> "infertrace-ingress".equals(s.serviceName()) && s.name().equals("chat twin-model"),
          4,
          java.time.Duration.ofSeconds(10));
    }
  }

  private static JsonNode runSdk(PeerProcesses peers, String baseUrl) throws Exception {
    PeerProcess client =
        peers.start(
            Peer.OPENAI_PYTHON,
            List.of(
                TargetDir.repoRoot()
                    .resolve("testbed/src/test/resources/peers/openai_smoke.py")
                    .toString(),
                baseUrl + "/v1",
                "twin-model",
                "why was this request slow"));
    assertThat(client.waitFor(Duration.ofSeconds(60))).as("log:\n%s", client.logTail(30)).isZero();
    String output = Files.readString(client.log()).strip();
    return OpenAiClient.parse(output.substring(output.lastIndexOf('\n') + 1));
  }
}
