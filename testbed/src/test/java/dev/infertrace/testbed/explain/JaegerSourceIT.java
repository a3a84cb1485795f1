package dev.infertrace.testbed.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.infertrace.explain.ExplainMain;
import dev.infertrace.explain.attribution.Attribution;
import dev.infertrace.explain.attribution.Attributor;
import dev.infertrace.explain.attribution.Segment;
import dev.infertrace.explain.trace.JaegerSource;
import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.trace.TraceFile;
import dev.infertrace.explain.trace.TraceSource;
import dev.infertrace.testbed.TestbedMain;
import dev.infertrace.testbed.junit.JaegerPeer;
import dev.infertrace.testbed.junit.PeerProcesses;
import dev.infertrace.testbed.junit.RequiresPeers;
import dev.infertrace.testbed.peers.Peer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * explain reads a real run's traces back from a real Jaeger v2: the demo's proxies (ingress, worker
 * sidecars, the simulated vLLM) export their spans over OTLP gRPC to Jaeger and to a trace file;
 * {@link JaegerSource} reads them back through api/v3 by time window and by trace id, and every
 * request attributes exactly as it does from the file.
 */
@RequiresPeers(Peer.JAEGER)
class JaegerSourceIT {
  @Test
  void aRealRunsRequestsReadBackFromJaegerAttributeAsFromTheTraceFile(PeerProcesses peers)
      throws Exception {
    JaegerPeer jaegerPeer = JaegerPeer.start(peers);
    int otlpGrpc = jaegerPeer.otlpGrpc();
    int queryHttp = jaegerPeer.queryHttp();

    Instant before = Instant.now().minusSeconds(1);
    Path file = peers.workDir().resolve("demo.jsonl");
    StringWriter demoOut = new StringWriter();
    CommandLine demo = TestbedMain.commandLine();
    demo.setOut(new PrintWriter(demoOut));
    int exit =
        demo.execute(
            "demo",
            "--duration",
            "4s",
            "--concurrency",
            "4",
            "--trace-file",
            file.toString(),
            "--otlp-endpoint",
            "http://127.0.0.1:" + otlpGrpc);
    assertThat(exit).as(demoOut.toString()).isZero();
    Instant after = Instant.now().plusSeconds(1);

    Map<String, Attribution> fromFile = attribute(Trace.group(TraceFile.read(file).spans()));
    Map<String, Integer> spansInFile =
        Trace.group(TraceFile.read(file).spans()).stream()
            .filter(t -> fromFile.containsKey(t.traceId()))
            .collect(Collectors.toMap(Trace::traceId, t -> t.spans().size()));
    assertThat(fromFile).as("requests in the demo's trace file").isNotEmpty();

    URI base = URI.create("http://127.0.0.1:" + queryHttp);
    JaegerSource jaeger = new JaegerSource(base);

    // By window: the ingress's requests, whole (the worker's and the engine's spans with them).
    List<Trace> window = awaitWindow(jaeger, before, after, spansInFile, Duration.ofSeconds(30));
    Map<String, Attribution> fromJaeger = attribute(window);
    assertThat(fromJaeger.keySet()).containsExactlyInAnyOrderElementsOf(fromFile.keySet());
    fromFile.forEach((id, expected) -> assertSame(fromJaeger.get(id), expected));
    assertThat(jaeger.search(before, after, 1000))
        .containsExactlyInAnyOrderElementsOf(fromFile.keySet());
    assertThat(jaeger.search(before, after, 2)).hasSize(Math.min(2, fromFile.size()));
    assertThat(jaeger.search(after.plusSeconds(60), after.plusSeconds(120), 10)).isEmpty();

    // By id.
    String id = fromFile.keySet().iterator().next();
    List<SpanRecord> spans = jaeger.trace(id);
    assertThat(spans).hasSize(spansInFile.get(id));
    assertThat(spans).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(id));
    assertSame(Attributor.attribute(new Trace(id, spans)).orElseThrow(), fromFile.get(id));
    assertThat(jaeger.trace("0123456789abcdef0123456789abcdef")).isEmpty();

    // And the command: --jaeger with a window and with a trace id.
    StringWriter out = new StringWriter();
    CommandLine cli = ExplainMain.commandLine();
    cli.setOut(new PrintWriter(out, true));
    assertThat(cli.execute("--jaeger", base.toString(), "--since", "10m")).isZero();
    assertThat(out.toString()).contains(fromFile.size() + " requests, ");
    out.getBuffer().setLength(0);
    assertThat(cli.execute("--jaeger", base.toString(), "--trace", id)).isZero();
    assertThat(out.toString()).startsWith("trace " + id + " — ");
  }

  private static List<Trace> awaitWindow(
      TraceSource source, Instant from, Instant to, Map<String, Integer> expected, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Integer> got = Map.of();
    while (true) {
      List<Trace> traces = source.traces(from, to, 1000);
      got = traces.stream().collect(Collectors.toMap(Trace::traceId, t -> t.spans().size()));
      if (got.equals(expected)) {
        return traces;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "Jaeger's window did not serve the run's traces within "
                + timeout
                + ": expected spans per trace "
                + expected
                + ", got "
                + got);
      }
      Thread.sleep(300);
    }
  }

  private static Map<String, Attribution> attribute(List<Trace> traces) {
    Map<String, Attribution> out = new LinkedHashMap<>();
    for (Trace t : traces) {
      Attributor.attribute(t).ifPresent(a -> out.put(a.traceId(), a));
    }
    return out;
  }

  private static void assertSame(Attribution actual, Attribution expected) {
    assertThat(actual.seconds()).isCloseTo(expected.seconds(), within(1e-9));
    assertThat(actual.notes()).containsExactlyInAnyOrderElementsOf(expected.notes());
    assertThat(seconds(actual).keySet())
        .containsExactlyInAnyOrderElementsOf(seconds(expected).keySet());
    seconds(expected)
        .forEach((name, s) -> assertThat(seconds(actual).get(name)).isCloseTo(s, within(1e-9)));
  }

  private static Map<String, Double> seconds(Attribution a) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Segment s : a.segments()) {
      out.merge(s.name(), s.seconds(), Double::sum);
    }
    return out;
  }
}
