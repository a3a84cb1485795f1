package dev.infertrace.explain.html;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.explain.attribution.Attribution;
import dev.infertrace.explain.attribution.Segment;
import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.verdict.Explainer;
import dev.infertrace.explain.verdict.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trace page holds the trace's numbers, draws every span once, and shows text as text. */
class TracePageTest {
  static final String ID = "0af7651916cd43dd8448eb211c80319c";
  static final long T0 = 1_000_000_000_000L;

  static SpanRecord span(
      String id,
      String parent,
      String service,
      String name,
      long fromMs,
      long toMs,
      Map<String, Object> attrs) {
    return new SpanRecord(
        ID,
        id,
        parent,
        name,
        1,
        service,
        T0 + fromMs * 1_000_000,
        T0 + toMs * 1_000_000,
        attrs,
        List.of(new SpanRecord.Event("first_token", T0 + (fromMs + 1) * 1_000_000, Map.of())));
  }

  // listed children first: the page puts them in tree order
  static final Trace TRACE =
      new Trace(
          ID,
          List.of(
              span(
                  "d",
                  "c",
                  "vllm",
                  "llm.decode",
                  60,
                  240,
                  Map.of("dcgm.sm_clock", 800L, "vllm.num_requests_running", 9L)),
              span("c", "b", "infertrace-worker", "chat m <script>", 20, 245, Map.of()),
              span("b", "a", "infertrace-ingress", "POST", 10, 248, Map.of()),
              span(
                  "a",
                  "",
                  "infertrace-ingress",
                  "chat m",
                  0,
                  250,
                  Map.of("llm.ttft", 0.07, "gen_ai.request.model", "m"))));

  static Explainer.Explained explained(String id) {
    return new Explainer.Explained(
        id,
        new Attribution(
            id,
            0.250,
            List.of(
                new Segment(Segment.CLIENT_REQUEST_READ, 0.010),
                new Segment(Segment.ROUTE, 0.010),
                new Segment("queue", 0.040),
                new Segment("decode", 0.180),
                new Segment(Segment.unobserved("worker", "ingress"), 0.010)),
            List.of("clock skew <b>2 ms</b>")),
        new Verdict(
            "gpu GPU-1", "decode", Verdict.GPU_THROTTLING, "SM clock 800 of 1980 MHz <img>"),
        0.120);
  }

  @Test
  void thePageHoldsEverySegmentAndEverySpanOnceAndEscapesText() {
    String page = TracePage.render(explained(ID), TRACE);

    Matcher seg =
        Pattern.compile("<rect [^>]*data-segment=\"([^\"]+)\" data-ms=\"([^\"]+)\"").matcher(page);
    List<String> names = new ArrayList<>();
    double sum = 0;
    while (seg.find()) {
      names.add(seg.group(1));
      sum += Double.parseDouble(seg.group(2));
    }
    assertThat(names)
        .containsExactly(
            "client.request_read", "route", "queue", "decode", "unobserved(worker→ingress)");
    assertThat(sum).isCloseTo(250.0, org.assertj.core.data.Offset.offset(1e-6));

    Matcher row =
        Pattern.compile(
                "<g data-span-id=\"([a-z]+)\" data-start-ms=\"([^\"]+)\""
                    + " data-duration-ms=\"([^\"]+)\"")
            .matcher(page);
    List<String> order = new ArrayList<>();
    while (row.find()) {
      order.add(row.group(1));
      if (row.group(1).equals("d")) {
        assertThat(Double.parseDouble(row.group(2))).isEqualTo(60.0);
        assertThat(Double.parseDouble(row.group(3))).isEqualTo(180.0);
      }
    }
    assertThat(order).containsExactly("a", "b", "c", "d");
    assertThat(page).contains("data-spans=\"4\"").contains("data-event=\"first_token\"");

    assertThat(page)
        .contains("data-cause=\"gpu_throttling\"")
        .contains("SM clock 800 of 1980 MHz &lt;img&gt;")
        .contains("chat m &lt;script&gt;")
        .contains("clock skew &lt;b&gt;2 ms&lt;/b&gt;")
        .doesNotContain("<script")
        .doesNotContain("<img")
        .doesNotContain("<b>2");
    // the GPU and engine state of the decode span, the request figures of the ingress span
    assertThat(page)
        .contains("<div data-key=\"dcgm.sm_clock\" data-value=\"800\">dcgm.sm_clock = 800</div>")
        .contains("<div data-key=\"vllm.num_requests_running\" data-value=\"9\">")
        .contains("<div data-key=\"gen_ai.request.model\" data-value=\"m\">");
    // coloured by component: the queue and decode segments share the engine's colour
    assertThat(TracePage.component("queue")).isEqualTo("engine");
    assertThat(TracePage.component("route.response")).isEqualTo("epp");
    assertThat(TracePage.component("unobserved(worker→ingress)")).isEqualTo("network");
    assertThat(TracePage.component("relay")).isEqualTo("worker");
  }

  @Test
  void aParentCycleOrADuplicateIdIsDrawnOnce() {
    Trace cyclic =
        new Trace(
            ID,
            List.of(
                span("a", "b", "s", "one", 0, 10, Map.of()),
                span("b", "a", "s", "two", 0, 10, Map.of()),
                span("r", "", "s", "root", 0, 10, Map.of()),
                span("r", "", "s", "root again", 0, 10, Map.of())));
    String page = TracePage.render(explained(ID), cyclic);
    // a and b parent each other and have no root: no row for them, and no endless walk
    assertThat(page).contains("data-spans=\"1\"");
  }

  @Test
  void pagesAndIndexAreWrittenOnlyForHexTraceIds(@TempDir Path dir) throws Exception {
    String evil = "../../etc/x";
    Map<String, String> files =
        TracePages.write(
            dir.resolve("pages"),
            List.of(explained(ID), explained(evil)),
            List.of(TRACE, new Trace(evil, TRACE.spans())));

    assertThat(files).containsOnlyKeys(ID);
    assertThat(dir.resolve("pages/" + ID + ".html")).exists();
    try (var list = Files.list(dir.resolve("pages"))) {
      assertThat(list.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(ID + ".html", "index.html");
    }
    assertThat(Files.readString(dir.resolve("pages/index.html")))
        .contains("<a href=\"" + ID + ".html\">")
        .contains("data-verdict=\"gpu_throttling\"");
  }
}
