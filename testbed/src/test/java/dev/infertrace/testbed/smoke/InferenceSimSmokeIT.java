package dev.infertrace.testbed.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.peers.Peer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** llm-d-inference-sim answers one streaming chat request from the JDK HttpClient, vLLM-style. */
@RequiresPeers(Peer.INFERENCE_SIM)
class InferenceSimSmokeIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void streamsAVllmShapedChatCompletion(PeerProcesses peers) throws Exception {
    int port = FreePorts.next();
    peers
        .start(
            Peer.INFERENCE_SIM,
            List.of(
                "--port", String.valueOf(port),
                "--model", "smoke-model",
                "--mode", "echo",
                "--time-to-first-token", "20ms",
                "--inter-token-latency", "2ms"))
        .awaitHttpOk(URI.create("http://127.0.0.1:" + port + "/health"), Duration.ofSeconds(30));

    String prompt = "the quick brown fox jumps over the lazy dog";
    String body =
        JSON.writeValueAsString(
            JSON.createObjectNode()
                .put("model", "smoke-model")
                .put("stream", true)
                .<com.fasterxml.jackson.databind.node.ObjectNode>set(
                    "stream_options", JSON.createObjectNode().put("include_usage", true))
                .set(
                    "messages",
                    JSON.createArrayNode()
                        .add(JSON.createObjectNode().put("role", "user").put("content", prompt))));
    HttpResponse<java.util.stream.Stream<String>> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofLines());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
    List<String> data =
        response
            .body()
            .filter(line -> line.startsWith("data: "))
            .map(line -> line.substring("data: ".length()))
            .collect(Collectors.toList());

    assertThat(data).last().isEqualTo("[DONE]");
    List<JsonNode> chunks =
        data.subList(0, data.size() - 1).stream().map(InferenceSimSmokeIT::parse).toList();
    JsonNode first = chunks.get(0);
    assertThat(first.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    assertThat(first.at("/id").asText()).startsWith("chatcmpl-");

    JsonNode usageChunk = chunks.get(chunks.size() - 1);
    assertThat(usageChunk.get("choices")).isEmpty();
    List<JsonNode> tokenChunks =
        chunks.stream().filter(chunk -> chunk.at("/choices/0/delta/content").isTextual()).toList();
    String text =
        tokenChunks.stream()
            .map(chunk -> chunk.at("/choices/0/delta/content").asText())
            .collect(Collectors.joining());
    assertThat(text).isEqualTo(prompt);
    assertThat(usageChunk.at("/usage/completion_tokens").asInt()).isEqualTo(tokenChunks.size());
    assertThat(usageChunk.at("/usage/prompt_tokens").asInt()).isPositive();
    assertThat(
            chunks.stream()
                .map(chunk -> chunk.at("/choices/0/finish_reason"))
                .filter(JsonNode::isTextual)
                .map(JsonNode::asText))
        .containsExactly("stop");
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError("SSE data is not JSON: " + json, e);
    }
  }
}
