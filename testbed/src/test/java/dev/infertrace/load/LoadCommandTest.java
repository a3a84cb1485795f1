package dev.infertrace.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.proxy.ProxyMain;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.sim.Sim;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LoadCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = ProxyMain.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void aSweepWritesItsJsonCsvAndHtmlReports(@TempDir Path dir) throws Exception {
    try (Sim sim = BenchConfigs.twin()) {
      int status =
          run(
              "load",
              "--url",
              sim.baseUrl(),
              "--model",
              "m",
              "-c",
              "1,2",
              "-n",
              "4",
              "--input-tokens",
              "uniform:5,20",
              "--output-tokens",
              "normal:8,2",
              "--slo",
              "ttft=10s,tpot=1s",
              "--jaeger-url",
              "http://jaeger:16686",
              "-o",
              dir.toString());

      assertThat(status).as(err.toString()).isZero();
      assertThat(out.toString()).contains("step 0: concurrency 1", "step 1: concurrency 2", "TTFT");
      JsonNode json = new ObjectMapper().readTree(dir.resolve("load.json").toFile());
      assertThat(json.path("steps")).hasSize(2);
      assertThat(json.at("/steps/1/ok").asLong()).isEqualTo(4);
      assertThat(json.at("/steps/1/goodput_ratio").asDouble()).isEqualTo(1.0);
      assertThat(json.at("/config/output_tokens").asText()).isEqualTo("normal:8,2");
      assertThat(json.path("requests")).hasSize(8);
      assertThat(json.at("/requests/0/trace_id").asText()).hasSize(32);
      // the report's slowest requests: every measured one without an error, longest E2E first
      List<JsonNode> measured = new ArrayList<>();
      json.path("requests")
          .forEach(
              r -> {
                if (r.path("phase").asText().equals("measured") && !r.hasNonNull("error")) {
                  measured.add(r);
                }
              });
      measured.sort(
          Comparator.comparingDouble((JsonNode r) -> r.path("e2e_ms").asDouble()).reversed());
      List<Long> slowest = new ArrayList<>();
      json.path("slowest").forEach(id -> slowest.add(id.asLong()));
      assertThat(slowest)
          .isNotEmpty()
          .containsExactlyElementsOf(measured.stream().map(r -> r.path("id").asLong()).toList());
      List<String> requestsCsv = Files.readAllLines(dir.resolve("requests.csv"));
      assertThat(requestsCsv).hasSize(1 + 8);
      assertThat(requestsCsv.get(1)).contains(json.at("/requests/0/trace_id").asText());
      assertThat(Files.readAllLines(dir.resolve("steps.csv"))).hasSize(1 + 2);
      assertThat(Files.readString(dir.resolve("report.html")))
          .contains("<script type=\"application/json\" id=\"bench-data\">")
          .doesNotContain("src=\"http", "href=\"http");
    }
  }

  @Test
  void badFlagsAreUsageErrorsNamingTheFlag() {
    assertThat(run("load", "-c", "2", "--rate", "3")).isEqualTo(2);
    assertThat(err.toString()).contains("give --concurrency or --rate, not both");
    assertThat(run("load", "--output-tokens", "uniform:3")).isEqualTo(2);
    assertThat(err.toString()).contains("--output-tokens: expected N, fixed:N, uniform:MIN,MAX");
    assertThat(run("load", "--url", "ftp://x")).isEqualTo(2);
    assertThat(err.toString()).contains("--url must be http://HOST[:PORT]");
    assertThat(run("load", "--api", "embeddings")).isEqualTo(2);
    assertThat(err.toString()).contains("expected chat or completions");
  }

  @Test
  void anUnreachableEndpointEndsWithStatusOneAndSaysWhy() {
    int closed = FreePorts.next();
    assertThat(run("load", "--url", "http://127.0.0.1:" + closed, "-n", "2", "-c", "1"))
        .isEqualTo(1);
    assertThat(err.toString()).contains("load: cannot connect to http://127.0.0.1:" + closed);
  }
}
