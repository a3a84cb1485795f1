package dev.infertrace.explain.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trace file as a source: by id, and a window's requests by their ingress SERVER span. */
class TraceFileSourceTest {
  @TempDir Path dir;

  static String line(String service, String traceId, String spanId, int kind, long startSec) {
    return "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
        + "\"value\":{\"stringValue\":\""
        + service
        + "\"}}]},\"scopeSpans\":[{\"spans\":[{\"traceId\":\""
        + traceId
        + "\",\"spanId\":\""
        + spanId
        + "\",\"name\":\"s\",\"kind\":"
        + kind
        + ",\"startTimeUnixNano\":\""
        + startSec * 1_000_000_000L
        + "\",\"endTimeUnixNano\":\""
        + (startSec + 1) * 1_000_000_000L
        + "\"}]}]}]}";
  }

  static final String A = "a".repeat(32);
  static final String B = "b".repeat(32);
  static final String C = "c".repeat(32);

  @Test
  void findsTheRequestsWhoseIngressServerSpanStartedInTheWindow() throws Exception {
    Path f = dir.resolve("t.jsonl");
    Files.writeString(
        f,
        String.join(
            "\n",
            line("infertrace-ingress", B, "0000000000000001", 2, 200),
            line("infertrace-worker", B, "0000000000000002", 2, 200),
            line("infertrace-ingress", A, "0000000000000003", 2, 100),
            line("infertrace-worker", C, "0000000000000004", 2, 150), // not the ingress
            line("infertrace-ingress", C, "0000000000000005", 3, 150), // a CLIENT span
            line("infertrace-ingress", "d".repeat(32), "0000000000000006", 2, 400),
            "{cut sho"));

    TraceFileSource source = TraceFileSource.read(f, TraceSource.DEFAULT_SERVICE);

    assertThat(source.badLines()).isEqualTo(1);
    assertThat(source.search(Instant.ofEpochSecond(100), Instant.ofEpochSecond(300), 10))
        .containsExactly(A, B);
    assertThat(source.search(Instant.ofEpochSecond(100), Instant.ofEpochSecond(300), 1))
        .containsExactly(A);
    assertThat(source.traces(Instant.ofEpochSecond(101), Instant.ofEpochSecond(300), 10))
        .singleElement()
        .satisfies(t -> assertThat(t.spans()).hasSize(2));
    assertThat(source.trace(B.toUpperCase(java.util.Locale.ROOT))).hasSize(2);
    assertThat(source.trace("e".repeat(32))).isEmpty();
    assertThat(
            TraceFileSource.read(f, "infertrace-worker")
                .search(Instant.ofEpochSecond(0), Instant.ofEpochSecond(1000), 10))
        .containsExactly(C, B);
  }
}
