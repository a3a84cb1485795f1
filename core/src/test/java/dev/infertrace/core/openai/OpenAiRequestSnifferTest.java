package dev.infertrace.core.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OpenAiRequestSnifferTest {

  private static OpenAiRequest sniff(String operation, String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return OpenAiRequestSniffer.sniff(operation, b, 0, b.length);
  }

  @Test
  void readsTheShapeOfAChatRequestButNotItsText() {
    OpenAiRequest r =
        sniff(
            "chat",
            "{\"model\":\"llama\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hello\"}]}],"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":64,"
                + "\"n\":1,\"tools\":[{\"type\":\"function\"}],\"temperature\":0.2}");

    assertThat(r.operation()).isEqualTo("chat");
    assertThat(r.model()).isEqualTo("llama");
    assertThat(r.stream()).isTrue();
    assertThat(r.includeUsage()).isTrue();
    assertThat(r.maxTokens()).isEqualTo(64);
    assertThat(r.n()).isEqualTo(1);
    assertThat(r.messages()).isEqualTo(2);
    assertThat(r.promptChars()).isEqualTo("be brief".length() + "hello".length());
    assertThat(r.toString()).doesNotContain("hello", "be brief");
  }

  @Test
  void readsCompletionsPromptsAndMaxCompletionTokens() {
    String body = "{\"prompt\":[\"abc\",\"de\"],\"max_completion_tokens\":9}";
    OpenAiRequest r = sniff("text_completion", body);

    assertThat(r.model()).isNull();
    assertThat(r.stream()).isFalse();
    assertThat(r.maxTokens()).isEqualTo(9);
    assertThat(r.promptChars()).isEqualTo(5);
    assertThat(r.bodyBytes()).isEqualTo(body.length());
  }

  @Test
  void malformedOrNonObjectBodiesGiveNull() {
    assertThat(sniff("chat", "{\"model\": \"x\", ")).isNull();
    assertThat(sniff("chat", "[1,2]")).isNull();
    assertThat(sniff("chat", "")).isNull();
    assertThat(sniff("chat", "not json")).isNull();
  }

  @Test
  void mapsPathsToOperations() {
    assertThat(OpenAiRequestSniffer.operationOf("/v1/chat/completions")).isEqualTo("chat");
    assertThat(OpenAiRequestSniffer.operationOf("/v1/completions?x=1"))
        .isEqualTo("text_completion");
    assertThat(OpenAiRequestSniffer.operationOf("/v1/embeddings")).isEqualTo("embeddings");
    assertThat(OpenAiRequestSniffer.operationOf("/v1/models")).isNull();
  }
}
