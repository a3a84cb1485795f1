package dev.infertrace.testbed.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.testbed.TestbedMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A short demo run: the stack comes up, load flows, the fault lands, the report is printed. */
class DemoCommandTest {
  @TempDir Path tmp;

  @Test
  void runsTheTracedStackAndReportsTheSlowestRequests() throws Exception {
    Path traces = tmp.resolve("demo.jsonl");
    StringWriter out = new StringWriter();
    CommandLine cli = TestbedMain.commandLine();
    cli.setOut(new PrintWriter(out));

    int exit =
        cli.execute(
            "demo", "--duration", "6s", "--concurrency", "10", "--trace-file", traces.toString());

    String text = out.toString();
    assertThat(exit).as(text).isZero();
    assertThat(text)
        .contains("FAULT thermal-throttle on sim-1", "failed", "slowest #1", "llm.decode [worker-")
        .contains("ingress: time to first token")
        .contains("./infertrace explain --file", "verdicts: ", "gpu_throttling");
    List<TraceFile.Span> spans = TraceFile.read(traces);
    long requests =
        spans.stream()
            .filter(s -> s.service().equals("infertrace-ingress") && s.kind() == 2)
            .count();
    assertThat(requests).isPositive();
    // Every request: ingress SERVER, its ext_proc CLIENT span and the interposer's llm.route
    // under it, the ingress CLIENT span and the worker SERVER, then either vLLM's own span with
    // the exact queue/prefill/decode phases (9 spans) or, if it did not come, the two
    // stream-measured phases (7 spans) - never both, never neither. The EPP's 50 ms scrapes of
    // the workers' /metrics make no traces.
    java.util.Map<String, Long> perTrace =
        spans.stream()
            .collect(
                java.util.stream.Collectors.groupingBy(
                    TraceFile.Span::traceId, java.util.stream.Collectors.counting()));
    assertThat(perTrace).hasSize((int) requests);
    assertThat(perTrace.values()).allSatisfy(n -> assertThat(n).isIn(7L, 9L));
    assertThat(spans.stream().map(TraceFile.Span::service).distinct())
        .contains(
            "infertrace-ingress",
            "infertrace-epp",
            "infertrace-worker-0",
            "infertrace-worker-1",
            "vllm");
    // The waterfalls show the routing span and one line per candidate, the chosen one marked.
    assertThat(text).contains("llm.route [epp]", "▶ worker-", "queue=");
    assertThat(
            spans.stream()
                .filter(s -> s.name().equals("llm.route"))
                .filter(s -> "routed".equals(s.text("llm.route.outcome")))
                .allMatch(s -> s.events().size() == 2))
        .isTrue();
    assertThat(spans).anySatisfy(s -> assertThat(s.name()).isEqualTo("llm.prefill"));
    // Every request's time splits into segments that add up to its ingress span within 1 ms,
    // the engine's phases among them.
    List<dev.infertrace.explain.attribution.Attribution> explained =
        dev.infertrace.explain.trace.Trace.group(
                dev.infertrace.explain.trace.TraceFile.read(traces).spans())
            .stream()
            .map(dev.infertrace.explain.attribution.Attributor::attribute)
            .flatMap(java.util.Optional::stream)
            .toList();
    assertThat(explained).hasSize((int) requests);
    assertThat(explained)
        .allSatisfy(
            a -> {
              assertThat(a.total())
                  .as(a.traceId())
                  .isCloseTo(a.seconds(), org.assertj.core.data.Offset.offset(0.001));
              assertThat(a.of("decode")).as(a.traceId()).isPositive();
              assertThat(a.of("route")).as(a.traceId()).isPositive();
              assertThat(a.notes()).as(a.traceId()).isEmpty();
            });
    assertThat(explained).anySatisfy(a -> assertThat(a.of("queue")).isPositive());
    // explain blames the throttled GPU of worker-1 (sim-1), and no other GPU, for the time lost.
    List<dev.infertrace.explain.verdict.Explainer.Explained> verdicts =
        dev.infertrace.explain.verdict.Explainer.explain(
            dev.infertrace.explain.trace.Trace.group(
                dev.infertrace.explain.trace.TraceFile.read(traces).spans()));
    List<dev.infertrace.explain.verdict.Verdict> throttled =
        verdicts.stream()
            .map(dev.infertrace.explain.verdict.Explainer.Explained::verdict)
            .filter(v -> v.cause().equals("gpu_throttling"))
            .toList();
    assertThat(throttled).isNotEmpty();
    assertThat(throttled)
        .allSatisfy(
            v -> {
              assertThat(v.component()).contains("worker 1");
              assertThat(v.evidence()).contains("hw_thermal_slowdown");
            });
    // The throttled GPU's phases say so, and why: the clock against the GPU's maximum, the
    // reason by name (the fault starts a third of the way in).
    assertThat(spans)
        .filteredOn(s -> s.texts("dcgm.clocks_event_reasons").contains("hw_thermal_slowdown"))
        .isNotEmpty()
        .allSatisfy(
            s -> assertThat(s.number("dcgm.sm_clock")).isLessThan(s.number("dcgm.sm_clock.limit")));
  }

  @Test
  void rejectsADurationTooShortToShowAnything() {
    StringWriter err = new StringWriter();
    CommandLine cli = TestbedMain.commandLine();
    cli.setErr(new PrintWriter(err));

    assertThat(cli.execute("demo", "--duration", "1s")).isEqualTo(2);
    assertThat(err.toString()).contains("--duration at least 3s");
  }
}
