package dev.infertrace.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.peers.Peer;
import dev.infertrace.testbed.sim.Sim;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report opened in headless Chromium (a real browser, not ours): it renders offline, every
 * number its charts and tables draw is the JSON report's number, and the console stays silent.
 */
@RequiresPeers(Peer.CHROMIUM)
class HtmlReportChromiumIT {
  private static final String JAEGER = "http://jaeger.example:16686";

  /** The page after its scripts ran, and what the browser logged. */
  private record Rendered(String dom, String log) {}

  @Test
  void theReportRendersTheJsonsNumbersWithoutConsoleErrors(PeerProcesses peers, @TempDir Path dir)
      throws Exception {
    Benchmark.Result result;
    try (Sim sim = BenchConfigs.twin()) {
      result =
          new Benchmark(
                  new BenchConfigs.Builder(BenchConfigs.closed(sim.baseUrl(), 6, 1.0, 2.0, 4.0))
                      .window(Duration.ofMillis(200), Duration.ZERO, 6, Duration.ofMillis(200))
                      .slo(Slo.parse("ttft=50ms,tpot=20ms"))
                      .build())
              .run();
    }
    ObjectNode json = JsonReport.tree(result, JAEGER);
    String slowestTrace =
        result.requests().stream()
            .filter(r -> r.measured() && r.ok())
            .max(Comparator.comparingDouble(RequestRecord::e2eMs))
            .orElseThrow()
            .traceId();
    // explain's verdict, as --traces puts it in (LoadVerdictsTest makes real ones)
    json.putObject("verdicts")
        .putObject(slowestTrace)
        .put("component", "worker")
        .put("phase", "queue")
        .put("cause", "engine_queueing")
        .put("evidence", "vllm.num_requests_waiting=12 <script>")
        .put("lost_ms", 40.0);
    Rendered page = open(peers, dir, HtmlReport.render(json));

    assertThat(page.log()).as("console output").doesNotContain(":CONSOLE");
    assertThat(page.dom()).contains("data-rendered=\"true\"").contains("<div id=\"errors\"></div>");

    // every point of the sweep charts is the step's figure in the JSON
    Matcher point =
        Pattern.compile(
                "<circle [^>]*data-series=\"([a-z_.0-9]+)\" data-step=\"(\\d+)\" data-value=\"([^\"]+)\"")
            .matcher(page.dom());
    int points = 0;
    while (point.find()) {
      JsonNode step = json.path("steps").path(Integer.parseInt(point.group(2)));
      JsonNode expected = step.at("/" + point.group(1).replace('.', '/'));
      assertThat(expected.isNumber()).as(point.group(1)).isTrue();
      assertThat(Double.parseDouble(point.group(3)))
          .as(point.group())
          .isEqualTo(expected.asDouble());
      points++;
    }
    // 4 latencies x (p50, p90, p99, mean) + req/s, goodput, 2 tokens/s, concurrency: per step
    assertThat(points).isEqualTo(3 * (16 + 5));

    // every cell of the summary table
    Matcher row = Pattern.compile("<tr data-step=\"(\\d+)\">(.*?)</tr>").matcher(page.dom());
    int cells = 0;
    while (row.find()) {
      JsonNode step = json.path("steps").path(Integer.parseInt(row.group(1)));
      Matcher cell =
          Pattern.compile("<td data-key=\"([a-z_.0-9]+)\" data-value=\"([^\"]+)\"")
              .matcher(row.group(2));
      while (cell.find()) {
        JsonNode expected = step.at("/" + cell.group(1).replace('.', '/'));
        assertThat(Double.parseDouble(cell.group(2)))
            .as(cell.group())
            .isEqualTo(expected.asDouble());
        cells++;
      }
    }
    assertThat(cells).isEqualTo(3 * (12 + 20));

    // the distributions hold every measured successful request once
    long measuredOk = result.requests().stream().filter(r -> r.measured() && r.ok()).count();
    assertThat(measuredOk).isEqualTo(18);
    for (String id : List.of("hist-ttft", "hist-tpot", "hist-e2e")) {
      Matcher svg =
          Pattern.compile("<svg [^>]*id=\"" + id + "\"[^>]*data-total=\"(\\d+)\"[^>]*>(.*?)</svg>")
              .matcher(page.dom());
      assertThat(svg.find()).as(id).isTrue();
      assertThat(Long.parseLong(svg.group(1))).as(id).isEqualTo(measuredOk);
      Matcher bar = Pattern.compile("data-count=\"(\\d+)\"").matcher(svg.group(2));
      long sum = 0;
      while (bar.find()) {
        sum += Long.parseLong(bar.group(1));
      }
      assertThat(sum).as(id).isEqualTo(measuredOk);
    }

    // the timeline has every request, warm-up and cool-down ones included
    assertThat(count(page.dom(), "<circle [^>]*data-request=")).isEqualTo(result.requests().size());
    assertThat(count(page.dom(), "data-step-window=")).isEqualTo(3);

    // the slowest requests link to their traces, slowest first
    List<RequestRecord> slowest = new ArrayList<>(result.requests());
    slowest.removeIf(r -> !r.measured() || !r.ok());
    slowest.sort(Comparator.comparingDouble(RequestRecord::e2eMs).reversed());
    Matcher link =
        Pattern.compile("<a href=\"" + JAEGER + "/trace/([0-9a-f]{32})\">").matcher(page.dom());
    List<String> linked = new ArrayList<>();
    while (link.find()) {
      linked.add(link.group(1));
    }
    assertThat(linked)
        .containsExactlyElementsOf(slowest.stream().map(RequestRecord::traceId).toList());
    // the slowest row shows its verdict, its evidence as text (never as markup)
    assertThat(page.dom())
        .contains(
            "<td class=\"l\" data-verdict=\"engine_queueing\">engine_queueing (worker, queue):"
                + " vllm.num_requests_waiting=12 &lt;script&gt;</td>");
    assertThat(count(page.dom(), "data-verdict=\"engine_queueing\"")).isEqualTo(1);
  }

  @Test
  void aScriptErrorInTheReportIsSeen(PeerProcesses peers, @TempDir Path dir) throws Exception {
    // the checks above must be able to fail: a report whose data lacks its steps breaks the script
    ObjectNode json =
        JsonReport.tree(
            new Benchmark.Result(
                BenchConfigs.closed("http://127.0.0.1:1", 1, 1.0),
                java.time.Instant.EPOCH,
                List.of(),
                List.of()),
            null);
    json.remove("steps");
    Rendered page = open(peers, dir, HtmlReport.render(json));

    assertThat(page.dom()).doesNotContain("data-rendered=\"true\"").contains("error: Uncaught");
    assertThat(page.log()).contains(":CONSOLE");
  }

  private static Rendered open(PeerProcesses peers, Path dir, String html) throws Exception {
    Path file = dir.resolve("report.html");
    Files.writeString(file, html, StandardCharsets.UTF_8);
    Chromium page = Chromium.open(peers, file, dir);
    return new Rendered(page.dom(), page.log());
  }

  private static int count(String s, String regex) {
    Matcher m = Pattern.compile(regex).matcher(s);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
