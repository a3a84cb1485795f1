package dev.infertrace.testbed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.testbed.TestbedMain;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.junit.TargetDir;
import dev.infertrace.testbed.peers.Peer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A very short bench run with every variant (real nginx and HAProxy processes, the built
 * gateway-proxy jar): it finishes, every variant serves every request, and the summary line is
 * there with numbers. (Figures are for BENCHMARKS.md, not for a test on a shared machine.)
 */
@RequiresPeers({Peer.NGINX, Peer.HAPROXY, Peer.LITELLM})
class BenchIT {
  @TempDir Path tmp;

  @Test
  void aQuickRunMeasuresEveryVariantAndEndsWithTheRatios() throws Exception {
    System.setProperty("infertrace.home", TargetDir.repoRoot().toString());
    StringWriter out = new StringWriter();
    var cli = TestbedMain.commandLine();
    cli.setOut(new PrintWriter(out));
    Path md = tmp.resolve("bench.md");
    int exit =
        cli.execute(
            "bench",
            "--quick",
            "--seconds",
            "1",
            "--streams",
            "20",
            "--frames",
            "20",
            "--out",
            md.toString());
    String text = out.toString();
    assertThat(exit).as(text).isZero();
    Matcher line =
        Pattern.compile(
                "added_p50_ratio=(-?[0-9.]+) added_p99_ratio=(-?[0-9.]+) throughput_ratio=([0-9.]+)"
                    + " frame_cpu_us=([0-9.]+) rss_mb_20=([0-9.]+) frame_cpu_flowing_us=(-|[0-9.]+)"
                    + " rss_mb_run=([0-9.]+)\\s*$")
            .matcher(text);
    assertThat(line.find()).as(text).isTrue();
    assertThat(Double.parseDouble(line.group(3))).isPositive();
    assertThat(Double.parseDouble(line.group(5))).as("ingress peak RSS MB").isBetween(10.0, 2000.0);
    // the streams' peak is their scenario's own, the run's peak holds it and the warm-up's
    assertThat(Double.parseDouble(line.group(7)))
        .as("ingress peak RSS MB, whole run")
        .isGreaterThanOrEqualTo(Double.parseDouble(line.group(5)));
    String tables = Files.readString(md);
    for (String v : new String[] {"direct", "nginx", "haproxy", "ingress", "worker"}) {
      Matcher row =
          Pattern.compile(
                  "(?m)^\\| " + v + " \\| (\\d+) \\| [^|]+ \\| [^|]+ \\| [^|]+ \\| (\\d+) \\|$")
              .matcher(tables);
      assertThat(row.find()).as("saturation row of %s in:%n%s", v, tables).isTrue();
      assertThat(Long.parseLong(row.group(1))).as("%s req/s", v).isPositive();
      assertThat(Long.parseLong(row.group(2))).as("%s failed requests", v).isZero();
    }
    // the sink counts the spans it decodes (it keeps none): the traced variants' are all there
    Matcher received = Pattern.compile("the OTLP sink received (\\d+) spans").matcher(text);
    assertThat(received.find()).as(text).isTrue();
    assertThat(Long.parseLong(received.group(1))).isPositive();
    // The JVM variants are warmed until their JIT is quiet, and each round says how loud it was.
    for (String v : new String[] {"infertrace-ingress", "infertrace-worker"}) {
      assertThat(text).containsPattern(v + " +warm-up round 1: JIT compiler \\d+ % of a core");
    }
    assertThat(text).doesNotContainPattern("nginx +warm-up round");
  }

  @Test
  void liteLlmIsMeasuredAsAVariantToo() throws Exception {
    StringWriter out = new StringWriter();
    var cli = TestbedMain.commandLine();
    cli.setOut(new PrintWriter(out));
    Path md = tmp.resolve("litellm.md");
    int exit =
        cli.execute(
            "bench",
            "--variants",
            "direct,litellm",
            "--seconds",
            "1",
            "--streams",
            "5",
            "--frames",
            "10",
            "--out",
            md.toString());
    assertThat(exit).as(out.toString()).isZero();
    Matcher row =
        Pattern.compile("(?m)^\\| litellm \\| (\\d+) \\| [^|]+ \\| [^|]+ \\| [^|]+ \\| (\\d+) \\|$")
            .matcher(Files.readString(md));
    assertThat(row.find()).as(Files.readString(md)).isTrue();
    assertThat(Long.parseLong(row.group(1))).as("LiteLLM req/s").isPositive();
    assertThat(Long.parseLong(row.group(2))).as("failed through LiteLLM").isZero();
  }
}
