package dev.infertrace.testbed.soak;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.testbed.TestbedMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The soak, compressed: 90 s of load at 80 % of the measured saturation through the ingress, the
 * EPP and 3 workers, real sockets and real OTLP, while each fault — collector, DCGM exporters, EPP,
 * worker w1's twin — is injected at least once (one every 15 s, 4 s each). No failure may be left
 * unexplained, every span must be accounted, and the report must hold the figures.
 */
class SoakIT {
  @TempDir Path tmp;

  @Test
  void everyFaultInjectedEveryFailureExplainedEverySpanAccounted() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = TestbedMain.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));

    int exit =
        cli.execute(
            "soak",
            "--minutes",
            "1.5",
            "--fault-period",
            "15s",
            "--fault-length",
            "4s",
            "--saturation-step",
            "3s",
            "--out",
            tmp.toString());

    String text = out + "\n" + err;
    JsonNode r = new ObjectMapper().readTree(tmp.resolve(SoakReport.FILE).toFile());
    assertThat(r.path("requests").path("failedUnexplained").asInt())
        .as("unexplained failures: %s%n%s", r.path("requests").path("unexplained"), text)
        .isZero();
    assertThat(r.path("spans").path("balanced").asBoolean()).as(text).isTrue();
    assertThat(exit).as(text).isZero();
    assertThat(text).contains("soak: passed", "failed, unexplained (target 0)   0");

    for (String fault : new String[] {"collector", "dcgm", "epp", "worker"}) {
      assertThat(r.path("faults").path("count").path(fault).asInt()).as(fault).isPositive();
    }
    assertThat(r.path("saturation").path("requestsPerSecond").asDouble()).isPositive();
    assertThat(r.path("rateRequestsPerSecond").asDouble())
        .isCloseTo(
            0.8 * r.path("saturation").path("requestsPerSecond").asDouble(),
            org.assertj.core.api.Assertions.within(0.01));
    JsonNode q = r.path("requests");
    assertThat(q.path("ok").asLong()).isPositive();
    assertThat(q.path("okSlowRead").asLong()).as("slow readers served").isPositive();
    assertThat(q.path("cancelledByClient").asLong()).as("clients that hung up").isPositive();
    assertThat(q.path("sent").asLong())
        .isEqualTo(
            q.path("ok").asLong()
                + q.path("cancelledByClient").asLong()
                + q.path("failed").asLong());
    assertThat(q.path("failed").asLong()).isEqualTo(q.path("failedExplained").asLong());

    JsonNode spans = r.path("spans");
    assertThat(spans.path("byProxy").fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder("ingress", "epp", "w0", "w1", "w2");
    JsonNode total = spans.path("total");
    assertThat(total.path("created").asLong()).isPositive();
    assertThat(total.path("queued").asLong()).isZero();
    long dropped = 0;
    for (JsonNode d : total.path("dropped")) {
      dropped += d.asLong();
    }
    assertThat(total.path("created").asLong()).isEqualTo(total.path("exported").asLong() + dropped);
    assertThat(spans.path("receivedByCollector").asLong())
        .as("an export counted as exported reached the collector")
        .isGreaterThanOrEqualTo(total.path("exported").asLong());

    for (String res : new String[] {"heapAfterGc", "rss", "openFds"}) {
      JsonNode t = r.path("resources").path(res);
      assertThat(t.path("samples").asInt()).as(res).isGreaterThan(2);
      assertThat(t.has("slopePerHourSecondHalf")).as(res).isTrue();
      assertThat(t.path("verdict").asText()).as(res).startsWith("not judged");
    }
  }
}
