package dev.infertrace.explain.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link JaegerSource}'s URLs, parsing and errors against a loopback server answering as Jaeger
 * v2.13's api/v3 does (bodies as the real one wrote them); the real Jaeger is exercised by
 * testbed's {@code JaegerSourceIT}.
 */
class JaegerSourceTest {
  static final String ID = "5b8efff798038103d269b633813fc60c";

  static String result(String traceId, String spanId) {
    return "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
        + "\"value\":{\"stringValue\":\"infertrace-ingress\"}}]},\"scopeSpans\":[{\"scope\":{},"
        + "\"spans\":[{\"traceId\":\""
        + traceId
        + "\",\"spanId\":\""
        + spanId
        + "\",\"name\":\"chat m\",\"kind\":2,\"startTimeUnixNano\":\"1796213278872650387\","
        + "\"endTimeUnixNano\":\"1796213278877650387\",\"attributes\":[{\"key\":"
        + "\"infertrace.role\",\"value\":{\"stringValue\":\"ingress\"}}],\"status\":{}}]}]}]}";
  }

  static final String NO_TRACES = "{\"error\":{\"httpCode\":404,\"message\":\"No traces found\"}}";

  Loopback jaeger;

  @BeforeEach
  void start() throws Exception {
    jaeger = new Loopback();
  }

  @AfterEach
  void stop() {
    jaeger.close();
  }

  @Test
  void readsATraceById() throws Exception {
    jaeger.answer(
        "/api/v3/traces/" + ID,
        Loopback.Answer.ok("{\"result\":" + result(ID, "eee19b7ec3c1b174") + "}"));

    List<SpanRecord> spans = new JaegerSource(URI.create(jaeger.base() + "/")).trace(ID);

    assertThat(jaeger.requests).containsExactly("/api/v3/traces/" + ID);
    assertThat(spans).extracting(SpanRecord::spanId).containsExactly("eee19b7ec3c1b174");
  }

  @Test
  void jaegersNoTracesFoundIsEmpty() throws Exception {
    jaeger
        .answer("/api/v3/traces/" + ID, new Loopback.Answer(404, NO_TRACES, 0))
        .answer("/api/v3/traces", new Loopback.Answer(404, NO_TRACES, 0));
    JaegerSource source = new JaegerSource(jaeger.base());

    assertThat(source.trace(ID)).isEmpty();
    assertThat(source.search(Instant.EPOCH, Instant.ofEpochSecond(1), 3)).isEmpty();
  }

  @Test
  void aWindowIsOneSearchWithRfc3339TimesAndNumTraces() throws Exception {
    String other = "00000000000000000000000000000abc";
    jaeger.answer(
        "/api/v3/traces",
        Loopback.Answer.ok(
            "{\"result\":{\"resourceSpans\":["
                + inner(result(ID, "eee19b7ec3c1b174"))
                + ","
                + inner(result(other, "00000000000000aa"))
                + "]}}"));
    JaegerSource source = new JaegerSource(jaeger.base(), "infer trace", Duration.ofSeconds(5));

    List<Trace> traces =
        source.traces(
            Instant.parse("2026-12-02T12:00:00Z"), Instant.parse("2026-12-02T12:10:00.250Z"), 7);

    assertThat(traces).extracting(Trace::traceId).containsExactly(ID, other);
    assertThat(jaeger.requests)
        .containsExactly(
            "/api/v3/traces?query.service_name=infer%20trace"
                + "&query.start_time_min=2026-12-02T12%3A00%3A00Z"
                + "&query.start_time_max=2026-12-02T12%3A10%3A00.250Z&query.num_traces=7");
    assertThat(source.search(Instant.EPOCH, Instant.ofEpochSecond(1), 1)).containsExactly(ID);
  }

  private static String inner(String resultObject) {
    // {"resourceSpans":[ X ]} -> X
    return resultObject.substring("{\"resourceSpans\":[".length(), resultObject.length() - 2);
  }

  @Test
  void anUnreachableJaegerIsNamedWithItsUrl() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    JaegerSource source = new JaegerSource(URI.create("http://127.0.0.1:" + port));

    assertThatThrownBy(() -> source.trace(ID))
        .isInstanceOf(TraceSourceException.class)
        .hasMessage(
            "cannot read traces from Jaeger at http://127.0.0.1:"
                + port
                + "/api/v3/traces/"
                + ID
                + ": connection refused");
  }

  @Test
  void aSlowJaegerTimesOut() {
    jaeger.answer("/api/v3/traces/" + ID, new Loopback.Answer(200, "{}", 2_000));
    JaegerSource source = new JaegerSource(jaeger.base(), "s", Duration.ofMillis(300));

    assertThatThrownBy(() -> source.trace(ID))
        .hasMessageEndingWith("/api/v3/traces/" + ID + ": no answer within 300 ms");
  }

  @Test
  void jaegersOwnErrorsArePassedOn() {
    jaeger.answer(
        "/api/v3/traces",
        new Loopback.Answer(
            500,
            "{\"error\":{\"httpCode\":500,\"message\":\"search depth must be greater than 0 and"
                + " less than max traces\"}}",
            0));

    assertThatThrownBy(
            () ->
                new JaegerSource(jaeger.base())
                    .search(Instant.EPOCH, Instant.ofEpochSecond(1), 100_000))
        .hasMessageContaining("HTTP 500")
        .hasMessageContaining("less than max traces");
  }
}
