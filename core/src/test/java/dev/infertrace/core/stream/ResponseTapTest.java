package dev.infertrace.core.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One tap for a streamed and a plain response, as the proxy and the agent feed it. */
class ResponseTapTest {
  private static final String ROLE =
      "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
  private static final String TOKEN =
      "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n";
  private static final String LAST =
      "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"!\"},\"finish_reason\":\"stop\"}]}\n\n"
          + "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}\n\n"
          + "data: [DONE]\n\n";
  private static final String JSON =
      "{\"id\":\"c2\",\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"hi\"},"
          + "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9}}";

  private static void feed(ResponseTap tap, String text, long nanos) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    tap.onBytes(b, 0, b.length, nanos);
  }

  @Test
  void aStreamIsReadAsItArrives() {
    ResponseTap tap = new ResponseTap(1024);
    tap.onHeaders(10, "text/event-stream; charset=utf-8");
    feed(tap, ROLE, 20);
    feed(tap, TOKEN, 30);
    feed(tap, LAST, 50);

    StreamSummary s = tap.complete(60);

    assertThat(tap.isStream()).isTrue();
    assertThat(s.headersNanos()).isEqualTo(10);
    assertThat(s.firstEventNanos()).isEqualTo(20);
    assertThat(s.firstTokenNanos()).isEqualTo(30);
    assertThat(s.lastTokenNanos()).isEqualTo(50);
    assertThat(s.outputTokens()).isEqualTo(2);
    assertThat(s.finishReasons()).containsExactly("stop");
    assertThat(s.done()).isTrue();
  }

  @Test
  void aPlainBodySplitAcrossReadsIsReadAsOneJsonObject() {
    ResponseTap tap = new ResponseTap(1024);
    tap.onHeaders(10, "application/json");
    feed(tap, JSON.substring(0, 40), 20);
    feed(tap, JSON.substring(40), 30);

    StreamSummary s = tap.complete(40);

    assertThat(tap.isStream()).isFalse();
    assertThat(s.responseId()).isEqualTo("c2");
    assertThat(s.promptTokens()).isEqualTo(5);
    assertThat(s.completionTokens()).isEqualTo(9);
    assertThat(s.finishReasons()).containsExactly("length");
    assertThat(s.headersNanos()).isEqualTo(10);
    assertThat(s.endNanos()).isEqualTo(40);
  }

  @Test
  void aPlainBodyOverTheLimitIsCutAndNotMisread() {
    ResponseTap tap = new ResponseTap(30);
    tap.onHeaders(10, "application/json");
    feed(tap, JSON, 20);

    StreamSummary s = tap.complete(30);

    assertThat(s.completionTokens()).isEqualTo(-1); // usage was past the limit
    assertThat(s.responseId()).isEqualTo("c2"); // what came before the cut is read
  }

  @Test
  void anInterruptedStreamSaysWhatCameAndAnInterruptedJsonBodyNothing() {
    ResponseTap stream = new ResponseTap(1024);
    stream.onHeaders(10, "text/event-stream");
    feed(stream, TOKEN, 20);
    StreamSummary partial = stream.interrupted(25);
    assertThat(partial).isNotNull();
    assertThat(partial.firstTokenNanos()).isEqualTo(20);
    assertThat(partial.done()).isFalse();

    ResponseTap json = new ResponseTap(1024);
    json.onHeaders(10, "application/json");
    feed(json, JSON.substring(0, 20), 20);
    assertThat(json.interrupted(25)).isNull();
  }

  @Test
  void aMissingContentTypeIsReadAsJson() {
    ResponseTap tap = new ResponseTap(1024);
    tap.onHeaders(1, null);
    feed(tap, JSON, 2);
    assertThat(tap.complete(3).completionTokens()).isEqualTo(9);
  }
}
