package dev.infertrace.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What infertrace's proxy relies on in a vLLM-compatible server's wire format, run against the twin
 * and against llm-d-inference-sim: if both pass, the twin and the llm-d simulator agree.
 */
abstract class StreamingClientContract {

  /** The server's base URL, e.g. {@code http://127.0.0.1:8000}. */
  abstract String baseUrl();

  abstract String model();

  OpenAiClient client() {
    return new OpenAiClient(baseUrl());
  }

  @Test
  void chatStreamIsRoleChunkThenOneChunkPerTokenThenUsageThenDone() throws Exception {
    OpenAiClient.Stream s =
        client().stream(
            "/v1/chat/completions",
            OpenAiClient.chat(model(), "why is the sky blue", 12, true, true));

    assertThat(s.status()).isEqualTo(200);
    assertThat(s.header("content-type")).startsWith("text/event-stream");
    assertThat(s.events()).last().extracting(OpenAiClient.Event::isDone).isEqualTo(true);
    // Every data line is followed by a blank line (one SSE event per chunk).
    for (int i = 0; i < s.lines().size(); i++) {
      if (s.lines().get(i).startsWith("data: ")) {
        assertThat(s.lines().get(i + 1)).as("line after %s", s.lines().get(i)).isEmpty();
      }
    }
    List<JsonNode> chunks = s.chunks();
    String id = chunks.get(0).get("id").asText();
    assertThat(id).startsWith("chatcmpl-");
    assertThat(chunks).allSatisfy(c -> assertThat(c.get("id").asText()).isEqualTo(id));
    assertThat(chunks)
        .allSatisfy(c -> assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk"));
    assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    assertThat(chunks.get(0).at("/choices/0/delta/content").asText("")).isEmpty();

    List<JsonNode> tokenChunks = tokenChunks(chunks);
    JsonNode usage = chunks.get(chunks.size() - 1);
    assertThat(usage.get("choices")).isEmpty();
    int completion = usage.at("/usage/completion_tokens").asInt();
    int prompt = usage.at("/usage/prompt_tokens").asInt();
    assertThat(completion).isEqualTo(tokenChunks.size()).isBetween(1, 12);
    assertThat(prompt).isPositive();
    assertThat(usage.at("/usage/total_tokens").asInt()).isEqualTo(prompt + completion);

    List<String> finishReasons =
        chunks.stream()
            .map(c -> c.at("/choices/0/finish_reason"))
            .filter(JsonNode::isTextual)
            .map(JsonNode::asText)
            .toList();
    assertThat(finishReasons).hasSize(1).first().isIn("stop", "length");
    if (finishReasons.get(0).equals("length")) {
      assertThat(completion).isEqualTo(12);
    }
  }

  @Test
  void chatStreamWithoutIncludeUsageHasNoUsageChunk() throws Exception {
    OpenAiClient.Stream s =
        client().stream(
            "/v1/chat/completions", OpenAiClient.chat(model(), "hello", 5, true, false));

    assertThat(s.status()).isEqualTo(200);
    assertThat(s.chunks()).allSatisfy(c -> assertThat(c.get("choices")).isNotEmpty());
    assertThat(s.events()).last().extracting(OpenAiClient.Event::isDone).isEqualTo(true);
    assertThat(tokenChunks(s.chunks())).isNotEmpty();
  }

  @Test
  void completionsStreamCarriesTextChunks() throws Exception {
    String body =
        OpenAiClient.JSON
            .createObjectNode()
            .put("model", model())
            .put("prompt", "once upon a time")
            .put("max_tokens", 6)
            .put("stream", true)
            .set("stream_options", OpenAiClient.JSON.createObjectNode().put("include_usage", true))
            .toString();
    OpenAiClient.Stream s = client().stream("/v1/completions", body);

    assertThat(s.status()).isEqualTo(200);
    List<JsonNode> chunks = s.chunks();
    assertThat(chunks.get(0).get("object").asText()).isEqualTo("text_completion");
    // Non-empty only: llm-d-inference-sim ends with a separate empty-text chunk carrying the
    // finish_reason, where vLLM puts it on the last token's chunk.
    long textChunks =
        chunks.stream().filter(c -> !c.at("/choices/0/text").asText("").isEmpty()).count();
    JsonNode usage = chunks.get(chunks.size() - 1);
    assertThat(usage.get("choices")).isEmpty();
    assertThat(usage.at("/usage/completion_tokens").asLong())
        .isEqualTo(textChunks)
        .isBetween(1L, 6L);
  }

  @Test
  void nonStreamingChatHasMessageUsageAndFinishReason() throws Exception {
    OpenAiClient.Reply reply =
        client().post("/v1/chat/completions", OpenAiClient.chat(model(), "hello", 8, false, false));

    assertThat(reply.status()).isEqualTo(200);
    JsonNode json = reply.json();
    assertThat(json.get("object").asText()).isEqualTo("chat.completion");
    assertThat(json.get("id").asText()).startsWith("chatcmpl-");
    assertThat(json.at("/choices/0/message/role").asText()).isEqualTo("assistant");
    assertThat(json.at("/choices/0/message/content").asText()).isNotEmpty();
    assertThat(json.at("/choices/0/finish_reason").asText()).isIn("stop", "length");
    int completion = json.at("/usage/completion_tokens").asInt();
    assertThat(completion).isBetween(1, 8);
    assertThat(json.at("/usage/total_tokens").asInt())
        .isEqualTo(json.at("/usage/prompt_tokens").asInt() + completion);
  }

  @Test
  void unknownModelIsAnOpenAiStyle404() throws Exception {
    OpenAiClient.Reply reply =
        client()
            .post(
                "/v1/chat/completions", OpenAiClient.chat("no-such-model", "hi", 4, false, false));

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.json().at("/error/message").asText()).contains("no-such-model");
  }

  @Test
  void malformedJsonIsAnOpenAiStyle400() throws Exception {
    OpenAiClient.Reply reply = client().post("/v1/chat/completions", "{\"model\": \"x\", ");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().at("/error/message").asText()).isNotEmpty();
  }

  /** Chunks that carry a token: non-empty content (the role-only chunk is not one). */
  static List<JsonNode> tokenChunks(List<JsonNode> chunks) {
    return chunks.stream()
        .filter(c -> !c.at("/choices/0/delta/content").asText("").isEmpty())
        .toList();
  }
}
