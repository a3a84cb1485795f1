package dev.infertrace.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With --traces, each request of the run gets explain's verdict from the proxies' trace file. */
class LoadVerdictsTest {

  @Test
  void everyRequestThroughTheTraceFileStackGetsItsVerdict(@TempDir Path dir) throws Exception {
    Path traces = dir.resolve("traces.jsonl");
    StringWriter err = new StringWriter();
    try (TraceFileStack stack = new TraceFileStack(traces)) {
      // a first run makes the spans; the second reads them (the file is complete by then)
      assertThat(
              stack.load(
                  err, "-c", "2", "-n", "10", "--output-tokens", "8", "-o", out(dir, "first")))
          .as(err.toString())
          .isZero();
      JsonNode first = new ObjectMapper().readTree(dir.resolve("first/load.json").toFile());

      // the verdicts of a finished run: its trace file read through the --traces code path
      List<String> ids = new java.util.ArrayList<>();
      first.path("requests").forEach(r -> ids.add(r.path("trace_id").asText()));
      com.fasterxml.jackson.databind.node.ObjectNode pages = new ObjectMapper().createObjectNode();
      JsonNode verdicts = Verdicts.read(traces, ids, ids.subList(0, 3), dir.resolve("p"), pages);
      // the pages of the three asked for, named as the report links them
      assertThat(pages.size()).isEqualTo(3);
      for (String id : ids.subList(0, 3)) {
        assertThat(pages.path(id).asText()).isEqualTo("traces/" + id + ".html");
        assertThat(Files.readString(dir.resolve("p/" + id + ".html"))).contains(id);
      }

      assertThat(verdicts.size()).isEqualTo(10);
      for (JsonNode r : first.path("requests")) {
        JsonNode v = verdicts.path(r.path("trace_id").asText());
        assertThat(v.path("cause").asText()).as("%s in %s", r, verdicts).isNotEmpty();
        assertThat(v.path("component").asText()).isNotEmpty();
      }
      assertThat(
              stack.load(
                  err,
                  "-c",
                  "1",
                  "-n",
                  "2",
                  "--traces",
                  traces.toString(),
                  "-o",
                  out(dir, "second")))
          .isZero();
      assertThat(err.toString()).contains("load: explain judged");
      assertThat(Files.readString(dir.resolve("second/report.html")))
          .contains("\"traces_file\"")
          .contains("\"trace_pages\"");
    }
  }

  private static String out(Path dir, String name) {
    return dir.resolve(name).toString();
  }
}
