package dev.infertrace.explain.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OTLP/JSON lines as the proxies and the collector write them, and files cut short. */
class TraceFileTest {
  @TempDir Path dir;

  private static final String LINE =
      "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
          + "\"value\":{\"stringValue\":\"infertrace-ingress\"}}]},\"scopeSpans\":[{\"spans\":[{"
          + "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
          + "\"parentSpanId\":\"\",\"name\":\"chat m\",\"kind\":2,"
          + "\"startTimeUnixNano\":\"1000000000\",\"endTimeUnixNano\":\"1250000000\","
          + "\"attributes\":["
          + "{\"key\":\"infertrace.role\",\"value\":{\"stringValue\":\"ingress\"}},"
          + "{\"key\":\"http.response.status_code\",\"value\":{\"intValue\":\"200\"}},"
          + "{\"key\":\"llm.segment.relay\",\"value\":{\"doubleValue\":0.2}},"
          + "{\"key\":\"llm.cancelled\",\"value\":{\"boolValue\":false}},"
          + "{\"key\":\"hw.id\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"GPU-1\"}]}}}"
          + "],\"events\":[{\"name\":\"epp.fail_open\",\"timeUnixNano\":\"1100000000\"}]}]}]}]}";

  @Test
  void readsSpansWithTheirServiceTypedAttributesAndEvents() throws Exception {
    Path f = dir.resolve("t.jsonl");
    Files.writeString(f, LINE + "\n\n");

    TraceFile.Contents c = TraceFile.read(f);

    assertThat(c.badLines()).isZero();
    SpanRecord s = c.spans().get(0);
    assertThat(s.service()).isEqualTo("infertrace-ingress");
    assertThat(s.kind()).isEqualTo(SpanRecord.KIND_SERVER);
    assertThat(s.parentSpanId()).isEmpty();
    assertThat(s.seconds()).isEqualTo(0.25);
    assertThat(s.number("http.response.status_code")).isEqualTo(200.0);
    assertThat(s.number("llm.segment.relay")).isEqualTo(0.2);
    assertThat(s.attributes().get("llm.cancelled")).isEqualTo(false);
    assertThat(s.texts("hw.id")).containsExactly("GPU-1");
    assertThat(s.number("missing")).isNaN();
    assertThat(s.events()).extracting(SpanRecord.Event::name).containsExactly("epp.fail_open");
  }

  @Test
  void aLineCutShortIsCountedAndSkippedAndTheRestIsRead() throws Exception {
    Path f = dir.resolve("cut.jsonl");
    Files.writeString(f, LINE + "\n" + LINE.substring(0, LINE.length() / 2));

    TraceFile.Contents c = TraceFile.read(f);

    assertThat(c.spans()).hasSize(1);
    assertThat(c.badLines()).isEqualTo(1);
  }

  @Test
  void idsInBase64AndKindsByNameAreReadAsHexAndNumbers() {
    assertThat(OtlpJson.id("W47/95gDgQPSabYzgT/GDA=="))
        .isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(OtlpJson.id("5B8EFFF798038103D269B633813FC60C"))
        .isEqualTo("5b8efff798038103d269b633813fc60c");
    List<Trace> traces = Trace.group(List.of(span("a", "1"), span("b", "2"), span("a", "3")));
    assertThat(traces).extracting(Trace::traceId).containsExactly("a", "b");
    assertThat(traces.get(0).spans()).hasSize(2);
  }

  private static SpanRecord span(String trace, String id) {
    return new SpanRecord(trace, id, "", "x", 1, "s", 0, 1, java.util.Map.of(), List.of());
  }
}
