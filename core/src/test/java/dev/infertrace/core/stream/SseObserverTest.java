package dev.infertrace.core.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseObserverTest {
  /** A vLLM-shaped stream: role chunk, three tokens, finish on the last, usage, [DONE]. */
  private static final String VLLM =
      "data: {\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
          + "data: {\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" the\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
          + "data: {\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" \\\"gpu\\\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
          + "data: {\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\".\"},\"logprobs\":null,\"finish_reason\":\"length\",\"stop_reason\":null}]}\n\n"
          + "data: {\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[],\"usage\":{\"prompt_tokens\":14,\"total_tokens\":17,\"completion_tokens\":3,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n"
          + "data: [DONE]\n\n";

  @Test
  void findsTheFirstTokenChunkNotTheRoleChunkAndReadsUsage() {
    SseObserver o = new SseObserver();
    o.onHeaders(5);
    byte[] bytes = VLLM.getBytes(StandardCharsets.UTF_8);
    // One event per "arrival", at times 10, 20, 30, ...
    int start = 0;
    long t = 10;
    for (int i = 0; i + 1 < bytes.length; i++) {
      if (bytes[i] == '\n' && bytes[i + 1] == '\n') {
        o.onBytes(bytes, start, i + 2 - start, t);
        t += 10;
        start = i + 2;
      }
    }
    StreamSummary s = o.onEnd(100);

    assertThat(s.headersNanos()).isEqualTo(5);
    assertThat(s.firstEventNanos()).isEqualTo(10);
    assertThat(s.firstTokenNanos()).isEqualTo(20);
    assertThat(s.lastTokenNanos()).isEqualTo(40);
    assertThat(s.tokenChunks()).isEqualTo(3);
    assertThat(s.gaps().count()).isEqualTo(2);
    assertThat(s.promptTokens()).isEqualTo(14);
    assertThat(s.completionTokens()).isEqualTo(3);
    assertThat(s.cachedTokens()).isZero();
    assertThat(s.outputTokensEstimated()).isFalse();
    assertThat(s.finishReasons()).containsExactly("length");
    assertThat(s.responseId()).isEqualTo("chatcmpl-abc");
    assertThat(s.responseModel()).isEqualTo("m");
    assertThat(s.errorType()).isNull();
    assertThat(s.done()).isTrue();
  }

  @Test
  void keysThatShareTheirFirstLetterAreToldApart() {
    // tried: before each key looked for, another top-level key with the same first letter ("index"
    // before "id", "message" before "model", "type" before "text", "code"/"completion_tokens"/
    // "cached_tokens" before "content", "usage_hint" before "usage"), an empty "text" beside a
    // non-empty "content", a second "id"/"model" after the first, a null finish_reason, and a
    // quote inside a value
    String line =
        "data: {\"index\":3,\"message\":\"say \\\"id\\\"\",\"model\":\"llama\",\"id\":\"r1\","
            + "\"type\":\"t\",\"code\":1,\"completion_tokens\":9,\"cached_tokens\":2,"
            + "\"usage_hint\":{},\"choices\":[{\"text\":\"\",\"content\":\"hi\","
            + "\"finish_reason\":null}],\"id\":\"r2\",\"model\":\"other\"}\n"
            + "data: {\"choices\":[{\"tool_calls\":[{\"index\":0}],\"text\":\"\","
            + "\"finish_reason\":\"tool_calls\"}]}\n";
    SseObserver o = new SseObserver();
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    o.onBytes(bytes, 0, bytes.length, 10);
    StreamSummary s = o.onEnd(20);

    assertThat(s.responseId()).isEqualTo("r1");
    assertThat(s.responseModel()).isEqualTo("llama");
    assertThat(s.tokenChunks()).as("a content token, then a tool-call delta").isEqualTo(2);
    assertThat(s.finishReasons()).containsExactly("tool_calls");
    assertThat(s.promptTokens()).as("no usage object").isEqualTo(-1);
    assertThat(s.completionTokens()).isEqualTo(-1);
    assertThat(s.errorType()).isNull();
  }

  @Test
  void keysAreFoundWhereverTheirQuoteIsAndOnlyAfterWhereTheSearchStarts() {
    // tried: a key at the very end of a line (no value), a key cut off by the line's end, usage
    // keys before "usage" (not read) and after it (read), more quotes than the first quote index
    // holds, a line split across parts in the middle of a key, and a line with no quotes at all
    StringBuilder manyQuotes = new StringBuilder("data: {");
    for (int i = 0; i < 100; i++) {
      manyQuotes.append("\"k").append(i).append("\":\"v\",");
    }
    manyQuotes.append(
        "\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n");
    String stream =
        "data: {\"id\":\"r1\",\"completion_tokens\":99,\"choices\":[{\"delta\":{\"content\"\n"
            + "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"finish_reason\"\n"
            + "data: no quotes here\n"
            + manyQuotes
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}\n"
            + "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}],\"usage\":{\"prompt_tokens\"";
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    SseObserver o = new SseObserver();
    int cut = stream.indexOf("\"finish_") + 4; // inside a key
    o.onBytes(bytes, 0, cut, 10);
    o.onBytes(bytes, cut, bytes.length - cut, 20);
    StreamSummary s = o.onEnd(30);

    assertThat(s.responseId()).isEqualTo("r1");
    assertThat(s.tokenChunks())
        .isEqualTo(3); // "a", "x", "b"; the first line's content has no value
    assertThat(s.finishReasons()).containsExactly("stop");
    assertThat(s.promptTokens()).isEqualTo(7); // the last line's has no digits: the 7 stays
    assertThat(s.completionTokens()).isEqualTo(2); // the first line's 99 is not under "usage"
  }

  @Test
  void givesTheSameAnswerWhereverTheBytesAreSplit() {
    byte[] bytes = VLLM.getBytes(StandardCharsets.UTF_8);
    for (int split = 1; split < bytes.length; split++) {
      SseObserver o = new SseObserver();
      o.onBytes(bytes, 0, split, 1);
      o.onBytes(bytes, split, bytes.length - split, 2);
      StreamSummary s = o.onEnd(3);
      assertThat(s.tokenChunks()).as("split at %d", split).isEqualTo(3);
      assertThat(s.completionTokens()).isEqualTo(3);
      assertThat(s.finishReasons()).containsExactly("length");
      assertThat(s.done()).isTrue();
    }
  }

  @Test
  void countsChunksWhenThereIsNoUsageAndMarksTheCountEstimated() {
    SseObserver o = new SseObserver();
    String stream =
        "data: {\"choices\":[{\"text\":\" a\"}]}\r\n\r\n"
            + ": keep-alive comment\n\n"
            + "data:{\"choices\":[{\"text\":\" b\",\"finish_reason\":\"stop\"}]}\n\n";
    byte[] b = stream.getBytes(StandardCharsets.UTF_8);
    o.onBytes(b, 0, b.length, 1);

    StreamSummary s = o.onEnd(2);

    assertThat(s.outputTokens()).isEqualTo(2);
    assertThat(s.outputTokensEstimated()).isTrue();
    assertThat(s.finishReasons()).containsExactly("stop");
    assertThat(s.done()).isFalse();
  }

  @Test
  void notesAnErrorChunkUnderHttp200WithoutKeepingItsMessage() {
    SseObserver o = new SseObserver();
    byte[] b =
        ("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"
                + "data: {\"error\":{\"object\":\"error\",\"message\":\"engine died\",\"type\":\"InternalServerError\",\"code\":500}}\n\n")
            .getBytes(StandardCharsets.UTF_8);
    o.onBytes(b, 0, b.length, 1);

    StreamSummary s = o.onEnd(2);

    assertThat(s.errorType()).isEqualTo("InternalServerError");
    assertThat(s.errorMessageLength()).isEqualTo("engine died".length());
    assertThat(s.toString()).doesNotContain("engine died");
  }

  @Test
  void aMalformedErrorChunkIsTypedErrorNotAMadeUpCode() {
    for (String chunk :
        new String[] {
          "data: {\"error\":{\"message\":\"x\"}}\n\n",
          "data: {\"error\":{\"type\":null,\"code\":\"abc\"}}\n\n",
          "data: {\"error\":{}}\n\n"
        }) {
      SseObserver o = new SseObserver();
      byte[] b = chunk.getBytes(StandardCharsets.UTF_8);
      o.onBytes(b, 0, b.length, 1);

      assertThat(o.onEnd(2).errorType()).as(chunk).isEqualTo("error");
    }
  }

  @Test
  void anUpstreamsFinishReasonsAreBoundedInNumberAndLength() {
    SseObserver o = new SseObserver();
    StringBuilder stream = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      stream
          .append("data: {\"choices\":[{\"finish_reason\":\"")
          .append("r".repeat(500))
          .append("\"}]}\n\n");
    }
    byte[] b = stream.toString().getBytes(StandardCharsets.UTF_8);
    o.onBytes(b, 0, b.length, 1);

    StreamSummary s = o.onEnd(2);
    assertThat(s.finishReasons()).hasSize(StreamSummary.MAX_FINISH_REASONS);
    assertThat(s.finishReasons().get(0)).hasSize(StreamSummary.MAX_LABEL_LENGTH);
  }

  @Test
  void survivesGarbageAndOverlongLines() {
    SseObserver o = new SseObserver();
    byte[] junk = new byte[100_000];
    new java.util.Random(7).nextBytes(junk);
    o.onBytes(junk, 0, junk.length, 1);
    o.onBytes(new byte[] {'\n', '\n'}, 0, 2, 1); // the event boundary after the junk
    byte[] longLine =
        ("data: {\"choices\":[{\"delta\":{\"content\":\"" + "x".repeat(50_000) + "\"}}]}\n")
            .getBytes(StandardCharsets.UTF_8);
    o.onBytes(longLine, 0, longLine.length, 2);

    StreamSummary s = o.onEnd(3);

    assertThat(s.endNanos()).isEqualTo(3);
    assertThat(s.tokenChunks()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void readsKeysPastTheStartOfALineLongerThanItsFirstBuffer() {
    // A chunk with ~3 KB of content before finish_reason and usage: the line buffer must grow
    // (it starts small) without losing what comes after the first few hundred bytes.
    SseObserver o = new SseObserver();
    byte[] chunk =
        ("data: {\"id\":\"cmpl-long\",\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\""
                + "y".repeat(3_000)
                + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,"
                + "\"completion_tokens\":1}}\n\ndata: [DONE]\n\n")
            .getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < chunk.length; i += 100) {
      o.onBytes(chunk, i, Math.min(100, chunk.length - i), 5);
    }

    StreamSummary s = o.onEnd(6);

    assertThat(s.responseId()).isEqualTo("cmpl-long");
    assertThat(s.finishReasons()).containsExactly("stop");
    assertThat(s.promptTokens()).isEqualTo(5);
    assertThat(s.completionTokens()).isEqualTo(1);
    assertThat(s.tokenChunks()).isEqualTo(1);
    assertThat(s.done()).isTrue();
  }
}
