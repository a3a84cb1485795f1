package dev.infertrace.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.explain.ExplainMain;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.peers.Peer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code explain --html} on the spans of a real traced stack (twin, worker sidecar, ingress),
 * opened in headless Chromium: the page renders with a silent console, its segments are explain's
 * segments to the microsecond, its waterfall draws every span of the trace once, and its verdict is
 * explain's.
 */
@RequiresPeers(Peer.CHROMIUM)
class TracePageChromiumIT {

  @Test
  void theTracePageShowsExplainsFiguresAndEverySpan(PeerProcesses peers, @TempDir Path dir)
      throws Exception {
    Path traces = dir.resolve("traces.jsonl");
    StringWriter err = new StringWriter();
    try (TraceFileStack stack = new TraceFileStack(traces)) {
      assertThat(
              stack.load(
                  err,
                  "-c",
                  "2",
                  "-n",
                  "8",
                  "--output-tokens",
                  "8",
                  "-o",
                  dir.resolve("run").toString()))
          .as(err.toString())
          .isZero();
    }
    JsonNode run = new ObjectMapper().readTree(dir.resolve("run/load.json").toFile());
    String id = run.path("requests").path(0).path("trace_id").asText();

    StringWriter out = new StringWriter();
    CommandLine explain = ExplainMain.commandLine();
    explain.setOut(new PrintWriter(out, true));
    explain.setErr(new PrintWriter(err, true));
    Path pages = dir.resolve("pages");
    assertThat(
            explain.execute(
                "--file", traces.toString(), "--trace", id, "--json", "--html", pages.toString()))
        .as(err.toString())
        .isZero();
    JsonNode request = new ObjectMapper().readTree(out.toString()).path("requests").path(0);
    assertThat(request.path("traceId").asText()).isEqualTo(id);

    Chromium page = Chromium.open(peers, pages.resolve(id + ".html"), dir);

    assertThat(page.log()).as("console output").doesNotContain(":CONSOLE");
    // the segments bar: explain's segments, in its order, with its figures
    Matcher seg =
        Pattern.compile("<rect [^>]*data-segment=\"([^\"]+)\" data-ms=\"([^\"]+)\"")
            .matcher(page.dom());
    int i = 0;
    while (seg.find()) {
      JsonNode expected = request.path("segments").path(i++);
      assertThat(seg.group(1)).isEqualTo(expected.path("name").asText());
      assertThat(Double.parseDouble(seg.group(2)))
          .isCloseTo(expected.path("seconds").asDouble() * 1000, within(1e-6));
    }
    assertThat(i).isEqualTo(request.path("segments").size()).isGreaterThan(3);
    assertThat(page.dom())
        .contains(
            "data-ms=\""
                + String.format(
                    java.util.Locale.ROOT, "%.6f", request.path("seconds").asDouble() * 1000)
                + "\"");

    // the waterfall: every span of the trace in the file, once
    Set<String> inFile = new HashSet<>();
    Matcher line =
        Pattern.compile("\"traceId\":\"" + id + "\",\"spanId\":\"([0-9a-f]{16})\"")
            .matcher(Files.readString(traces));
    while (line.find()) {
      inFile.add(line.group(1));
    }
    Set<String> drawn = new HashSet<>();
    Matcher row = Pattern.compile("<g data-span-id=\"([0-9a-f]{16})\"").matcher(page.dom());
    while (row.find()) {
      assertThat(drawn.add(row.group(1))).as("drawn once: %s", row.group(1)).isTrue();
    }
    assertThat(inFile).hasSizeGreaterThanOrEqualTo(3);
    assertThat(drawn).isEqualTo(inFile);

    // the verdict and the state of the phases
    assertThat(page.dom())
        .contains("data-cause=\"" + request.path("verdict").path("cause").asText() + "\"")
        .contains("data-key=\"llm.");
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }
}
