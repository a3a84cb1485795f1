package dev.infertrace.explain.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.Trace;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The edge cases of attribution, which a healthy run does not produce: a hop without a sidecar,
 * clocks that disagree between hosts, an ingress too old to have segments. (Real runs of the
 * proxies are attributed in the testbed's DemoCommandTest, every request.)
 */
class AttributorTest {
  private static final long MS = 1_000_000;

  private static SpanRecord span(
      String id, String parent, String name, int kind, long start, long end, Object... kv) {
    Map<String, Object> attrs = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      attrs.put((String) kv[i], kv[i + 1]);
    }
    return new SpanRecord("t", id, parent, name, kind, "s", start, end, attrs, List.of());
  }

  private static SpanRecord ingress(long end, Object... segments) {
    Object[] kv = new Object[segments.length + 2];
    kv[0] = "infertrace.role";
    kv[1] = "ingress";
    System.arraycopy(segments, 0, kv, 2, segments.length);
    return span("i", "", "chat m", SpanRecord.KIND_SERVER, 0, end, kv);
  }

  @Test
  void withoutAWorkerSpanTheUpstreamIsUnobservedAndTheSumStillHolds() {
    Trace t =
        new Trace(
            "t",
            List.of(
                ingress(
                    100 * MS,
                    "llm.segment.request_read",
                    0.001,
                    "llm.segment.connect",
                    0.002,
                    "llm.segment.upstream_head",
                    0.05,
                    "llm.segment.relay",
                    0.037,
                    "llm.segment.client_slow_read",
                    0.010)));

    Attribution a = Attributor.attribute(t).orElseThrow();

    assertThat(a.total()).isCloseTo(0.1, within(1e-9));
    assertThat(a.of(Segment.unobserved("ingress", "upstream"))).isCloseTo(0.087, within(1e-9));
    assertThat(a.of(Segment.CLIENT_SLOW_READ)).isCloseTo(0.010, within(1e-9));
    assertThat(a.notes()).singleElement().asString().contains("unobserved");
  }

  @Test
  void aWorkerClockAheadOfTheIngressIsClampedAndNoted() {
    SpanRecord in =
        ingress(
            100 * MS,
            "llm.segment.request_read",
            0.001,
            "llm.segment.upstream_head",
            0.01,
            "llm.segment.relay",
            0.089);
    SpanRecord client = span("c", "i", "chat m", SpanRecord.KIND_CLIENT, 1 * MS, 100 * MS);
    // The worker's clock runs 30 ms ahead: its span seems to end after the ingress's.
    SpanRecord worker =
        span(
            "w",
            "c",
            "chat m",
            SpanRecord.KIND_SERVER,
            35 * MS,
            125 * MS,
            "infertrace.role",
            "worker",
            "llm.segment.request_read",
            0.0005);
    SpanRecord decode = span("d", "w", "llm.decode", 1, 40 * MS, 124 * MS);

    Attribution a =
        Attributor.attribute(new Trace("t", List.of(in, client, worker, decode))).orElseThrow();

    assertThat(a.total()).isCloseTo(0.1, within(1e-9));
    assertThat(a.notes()).anySatisfy(n -> assertThat(n).startsWith("clock skew"));
    assertThat(a.segments()).allSatisfy(s -> assertThat(s.seconds()).isPositive());
  }

  @Test
  void anIngressWithoutSegmentsIsOneUnobservedPieceNotAGuess() {
    Attribution a = Attributor.attribute(new Trace("t", List.of(ingress(40 * MS)))).orElseThrow();

    assertThat(a.segments())
        .singleElement()
        .satisfies(s -> assertThat(s.seconds()).isEqualTo(0.04));
    assertThat(a.notes()).singleElement().asString().contains("cannot be split");
  }

  @Test
  void aTraceWithoutAnIngressSpanIsNotAttributed() {
    SpanRecord worker =
        span("w", "", "chat m", SpanRecord.KIND_SERVER, 0, MS, "infertrace.role", "worker");
    assertThat(Attributor.attribute(new Trace("t", List.of(worker)))).isEmpty();
  }
}
