package dev.infertrace.explain.verdict;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.Trace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A stall of the ingress's event loop that held every request of a window alike: their peers are as
 * slow as they are, so only the stall figures on each span tell that the proxy lost the time. Each
 * window is 12 requests of the same shape (route 200 ms of a 300 ms time to first token, 1 s in
 * all); what differs is the figure the ingress recorded.
 */
class HeldByStallTest {
  private static final long T0 = 1_000_000_000_000L;
  private static final long MS = 1_000_000L;

  @Test
  void aStallThatHeldTheRequestOnItsWayUpstreamHeldItsFirstToken() {
    // 190 ms of the 200 ms route was the loop standing still: without it, the first token would
    // have come after 110 ms. Before the figure existed this window was "healthy", request by
    // request: the stall held every peer too.
    Explainer.Explained held =
        lastOf(window(Map.of(LlmAttributes.EVENT_LOOP_DELAY_REQUEST, 0.190)));
    assertThat(held.verdict().cause()).as("%s", held.verdict()).isEqualTo(Verdict.PROXY_OVERHEAD);
    assertThat(held.verdict().component()).isEqualTo("ingress");
    assertThat(held.verdict().phase()).isEqualTo("on its way upstream");
    assertThat(held.verdict().evidence()).contains("on its way upstream 0.190 s");
  }

  @Test
  void aShortHoldOnTheWayIsNotTheCause() {
    // 40 ms held of a 300 ms first token: under its own time without the hold, and under 50 ms
    Explainer.Explained held =
        lastOf(window(Map.of(LlmAttributes.EVENT_LOOP_DELAY_REQUEST, 0.040)));
    assertThat(held.verdict().cause())
        .as("%s", held.verdict())
        .isNotEqualTo(Verdict.PROXY_OVERHEAD);
  }

  @Test
  void theWayUpAndTheFirstTokenAddUp() {
    // neither alone reaches the 150 ms the rest of the first token took; together they do
    Explainer.Explained held =
        lastOf(
            window(
                Map.of(
                    LlmAttributes.EVENT_LOOP_DELAY_REQUEST, 0.090,
                    LlmAttributes.EVENT_LOOP_DELAY_FIRST_TOKEN, 0.080)));
    assertThat(held.verdict().cause()).as("%s", held.verdict()).isEqualTo(Verdict.PROXY_OVERHEAD);
    assertThat(held.verdict().phase()).isEqualTo("on its way upstream");
    Explainer.Explained wayOnly =
        lastOf(window(Map.of(LlmAttributes.EVENT_LOOP_DELAY_REQUEST, 0.090)));
    assertThat(wayOnly.verdict().cause())
        .as("%s", wayOnly.verdict())
        .isNotEqualTo(Verdict.PROXY_OVERHEAD);
  }

  private static Explainer.Explained lastOf(List<Trace> window) {
    List<Explainer.Explained> all = Explainer.explain(window);
    assertThat(all).hasSize(window.size());
    return all.get(all.size() - 1);
  }

  /** 12 requests of one shape, each with a stall on its span; the last has {@code figures}. */
  private static List<Trace> window(Map<String, Object> figures) {
    List<Trace> traces = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Map<String, Object> attrs = new HashMap<>();
      attrs.put(LlmAttributes.ROLE, "ingress");
      attrs.put(LlmAttributes.REQUEST_MODEL, "m");
      attrs.put(LlmAttributes.USAGE_INPUT_TOKENS, 100L);
      attrs.put(LlmAttributes.USAGE_OUTPUT_TOKENS, 50L);
      attrs.put(LlmAttributes.SEGMENT_REQUEST_READ, 0.001);
      attrs.put(LlmAttributes.SEGMENT_ROUTE, 0.200);
      attrs.put(LlmAttributes.SEGMENT_CONNECT, 0.001);
      attrs.put(LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN, 0.300);
      attrs.put(LlmAttributes.EVENT_LOOP_STALLED, 0.300);
      if (i == 11) {
        attrs.putAll(figures);
      }
      String id = String.format("%032x", i + 1);
      long start = T0 + i * 1_000 * MS;
      traces.add(
          new Trace(
              id,
              List.of(
                  new SpanRecord(
                      id,
                      "a",
                      "",
                      "chat m",
                      SpanRecord.KIND_SERVER,
                      "infertrace-ingress",
                      start,
                      start + 1_000 * MS,
                      attrs,
                      List.of()))));
    }
    return traces;
  }
}
