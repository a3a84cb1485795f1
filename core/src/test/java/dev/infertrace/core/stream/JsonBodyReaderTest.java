package dev.infertrace.core.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonBodyReaderTest {

  private static StreamSummary read(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return JsonBodyReader.read(b, 0, b.length, 1, 2);
  }

  @Test
  void readsUsageFinishReasonIdAndModel() {
    StreamSummary s =
        read(
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"secret text\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":9,\"total_tokens\":12,\"completion_tokens\":3,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":8}}}");

    assertThat(s.responseId()).isEqualTo("chatcmpl-1");
    assertThat(s.responseModel()).isEqualTo("m");
    assertThat(s.finishReasons()).containsExactly("stop");
    assertThat(s.promptTokens()).isEqualTo(9);
    assertThat(s.completionTokens()).isEqualTo(3);
    assertThat(s.cachedTokens()).isEqualTo(8);
    assertThat(s.toString()).doesNotContain("secret text");
  }

  @Test
  void readsOpenAiErrorBodies() {
    StreamSummary s =
        read(
            "{\"error\":{\"message\":\"bad\",\"type\":\"BadRequestError\",\"param\":\"messages\",\"code\":400}}");
    StreamSummary codeOnly = read("{\"error\":{\"message\":\"x\",\"code\":\"model_not_found\"}}");

    assertThat(s.errorType()).isEqualTo("BadRequestError");
    assertThat(s.errorMessageLength()).isEqualTo(3);
    assertThat(codeOnly.errorType()).isEqualTo("model_not_found");
  }

  @Test
  void notJsonGivesOnlyTheTimes() {
    StreamSummary s = read("<html>502 Bad Gateway</html>");

    assertThat(s.completionTokens()).isEqualTo(-1);
    assertThat(s.endNanos()).isEqualTo(2);
  }
}
