package dev.infertrace.core.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The response tap (SSE observer, or the JSON body reader for a plain response) on any bytes from
 * an upstream, split into any parts: it never throws and its summary stays bounded. See
 * src/docs/fuzzing.md for the long run.
 */
class SseObserverFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void anyResponseBytesInAnySplits(FuzzedDataProvider data) {
    boolean stream = data.consumeBoolean();
    boolean completed = data.consumeBoolean(); // chosen first: the parts take all that is left
    ResponseTap tap = new ResponseTap(64 * 1024);
    tap.onHeaders(1, stream ? "text/event-stream" : "application/json");
    long nanos = 2;
    while (data.remainingBytes() > 0) {
      byte[] part = data.consumeBytes(data.consumeInt(1, 4096));
      tap.onBytes(part, 0, part.length, nanos++);
    }
    StreamSummary s = completed ? tap.complete(nanos) : tap.interrupted(nanos);
    if (s == null) {
      return; // an interrupted JSON body: nothing to read, by contract
    }

    assertThat(s.finishReasons()).hasSizeLessThanOrEqualTo(StreamSummary.MAX_FINISH_REASONS);
    assertThat(s.finishReasons())
        .allSatisfy(
            r -> assertThat(r.length()).isLessThanOrEqualTo(StreamSummary.MAX_LABEL_LENGTH));
    if (s.errorType() != null) {
      assertThat(s.errorType())
          .isNotEmpty()
          .hasSizeLessThanOrEqualTo(StreamSummary.MAX_LABEL_LENGTH);
    }
  }
}
