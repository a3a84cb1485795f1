package dev.infertrace.explain.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TempoSource} against a loopback server that answers as Tempo's HTTP API does (bodies
 * shaped after Grafana's API docs: {@code /api/v2/traces/<id>} → {@code {"trace":{"resourceSpans":
 * …}}} with base64 ids, {@code /api/search} → {@code {"traces":[{"traceID":…}]}}). Tempo itself is
 * not installable here (no binary among the project's peers, no network), so its real answers are
 * not tested; the URLs asked and the parsing of those shapes are.
 */
class TempoSourceTest {
  static final String TRACE_HEX = "0af7651916cd43dd8448eb211c80319c";
  static final String TRACE_B64 = "CvdlGRbNQ92ESOshHIAxnA==";
  static final String SPAN_B64 = "t7O3uHFNDdw="; // b7b3b7b8714d0ddc

  /** Tempo's v2 trace-by-id answer: OTLP/JSON under "trace", ids in base64. */
  static final String TEMPO_TRACE =
      "{\"trace\":{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
          + "\"value\":{\"stringValue\":\"infertrace-ingress\"}}]},\"scopeSpans\":[{\"scope\":"
          + "{\"name\":\"dev.infertrace\"},\"spans\":[{\"traceId\":\""
          + TRACE_B64
          + "\",\"spanId\":\""
          + SPAN_B64
          + "\",\"name\":\"chat m\",\"kind\":\"SPAN_KIND_SERVER\","
          + "\"startTimeUnixNano\":\"1000000000\",\"endTimeUnixNano\":\"1250000000\","
          + "\"attributes\":[{\"key\":\"infertrace.role\",\"value\":{\"stringValue\":\"ingress\"}},"
          + "{\"key\":\"llm.segment.request_read\",\"value\":{\"doubleValue\":0.01}}],"
          + "\"status\":{}}]}]}]},\"status\":\"COMPLETE\"}";

  Loopback tempo;

  @BeforeEach
  void start() throws Exception {
    tempo = new Loopback();
  }

  @AfterEach
  void stop() {
    tempo.close();
  }

  @Test
  void readsATraceByIdWithBase64IdsTurnedIntoHex() throws Exception {
    tempo.answer("/api/v2/traces/" + TRACE_HEX, Loopback.Answer.ok(TEMPO_TRACE));

    List<SpanRecord> spans = new TempoSource(tempo.base()).trace(TRACE_HEX);

    assertThat(tempo.requests).containsExactly("/api/v2/traces/" + TRACE_HEX);
    assertThat(spans).hasSize(1);
    SpanRecord s = spans.get(0);
    assertThat(s.traceId()).isEqualTo(TRACE_HEX);
    assertThat(s.spanId()).isEqualTo("b7b3b7b8714d0ddc");
    assertThat(s.kind()).isEqualTo(SpanRecord.KIND_SERVER);
    assertThat(s.service()).isEqualTo("infertrace-ingress");
    assertThat(s.text("infertrace.role")).isEqualTo("ingress");
    assertThat(s.seconds()).isEqualTo(0.25);
  }

  @Test
  void aTraceTempoDoesNotHaveIsEmptyNotAnError() throws Exception {
    tempo.answer("/api/v2/traces/" + TRACE_HEX, new Loopback.Answer(404, "trace not found\n", 0));

    assertThat(new TempoSource(tempo.base()).trace(TRACE_HEX)).isEmpty();
  }

  @Test
  void searchesTheServiceWithTraceQlInUnixSecondsAndPadsTraceIds() throws Exception {
    tempo.answer(
        "/api/search",
        Loopback.Answer.ok(
            "{\"traces\":[{\"traceID\":\"af7651916cd43dd8448eb211c80319c\","
                + "\"rootServiceName\":\"infertrace-ingress\",\"rootTraceName\":\"chat m\","
                + "\"startTimeUnixNano\":\"1764676800000000000\",\"durationMs\":250},"
                + "{\"traceID\":\"5b8efff798038103d269b633813fc60c\"},"
                + "{\"traceID\":\"5b8efff798038103d269b633813fc60d\"}],"
                + "\"metrics\":{\"inspectedTraces\":3}}"));
    TempoSource source = new TempoSource(tempo.base(), "my-ingress", Duration.ofSeconds(5));

    List<String> ids =
        source.search(
            Instant.parse("2025-12-02T12:00:00Z"), Instant.parse("2025-12-02T12:10:00.5Z"), 2);

    assertThat(ids).containsExactly(TRACE_HEX, "5b8efff798038103d269b633813fc60c");
    String asked = URLDecoder.decode(tempo.requests.get(0), StandardCharsets.UTF_8);
    assertThat(asked)
        .isEqualTo(
            "/api/search?q={resource.service.name=\"my-ingress\"}"
                + "&start=1764676800&end=1764677401&limit=2");
  }

  @Test
  void aWindowFetchesEachTraceItFound() throws Exception {
    tempo
        .answer(
            "/api/search", Loopback.Answer.ok("{\"traces\":[{\"traceID\":\"" + TRACE_HEX + "\"}]}"))
        .answer("/api/v2/traces/" + TRACE_HEX, Loopback.Answer.ok(TEMPO_TRACE));

    List<Trace> traces =
        new TempoSource(tempo.base())
            .traces(Instant.ofEpochSecond(0), Instant.ofEpochSecond(10), 10);

    assertThat(traces).extracting(Trace::traceId).containsExactly(TRACE_HEX);
    assertThat(traces.get(0).spans()).hasSize(1);
    assertThat(tempo.requests).hasSize(2);
  }

  @Test
  void noTracesInTheWindowIsAnEmptyList() throws Exception {
    tempo.answer("/api/search", Loopback.Answer.ok("{\"traces\":[],\"metrics\":{}}"));

    assertThat(new TempoSource(tempo.base()).search(Instant.EPOCH, Instant.ofEpochSecond(1), 5))
        .isEmpty();
  }

  @Test
  void errorsNameTempoTheUrlAndWhatWentWrong() {
    tempo
        .answer("/api/search", new Loopback.Answer(500, "too many requests in flight", 0))
        .answer("/api/v2/traces/" + TRACE_HEX, Loopback.Answer.ok("<html>a proxy login</html>"));
    TempoSource source = new TempoSource(tempo.base());

    assertThatThrownBy(() -> source.search(Instant.EPOCH, Instant.ofEpochSecond(1), 5))
        .isInstanceOf(TraceSourceException.class)
        .hasMessageStartingWith("cannot read traces from Tempo at " + tempo.base() + "/api/search?")
        .hasMessageContaining("HTTP 500 (too many requests in flight)");
    assertThatThrownBy(() -> source.trace(TRACE_HEX))
        .hasMessage(
            "cannot read traces from Tempo at "
                + tempo.base()
                + "/api/v2/traces/"
                + TRACE_HEX
                + ": the answer is not JSON (<html>a proxy login</html>)");
    // A 404 that is not Tempo's "trace not found": the URL is not Tempo's API.
    assertThatThrownBy(() -> new TempoSource(tempo.base().resolve("/tempo")).trace(TRACE_HEX))
        .hasMessageContaining("/tempo/api/v2/traces/" + TRACE_HEX + ": HTTP 404");
  }
}
