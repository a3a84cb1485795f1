package dev.infertrace.testbed.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.TraceFile;
import dev.infertrace.explain.verdict.Verdict;
import dev.infertrace.testbed.TestbedMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioRunTest {
  @TempDir Path dir;

  @Test
  void healthyAndThrottledRunsLabelEveryTracedRequest() throws Exception {
    ScenarioRun.Result healthy =
        ScenarioRun.run(
            Scenario.named(List.of("healthy")).get(0), Duration.ofSeconds(10), dir.resolve("h"));
    check(healthy);
    assertEquals(0, healthy.affected());
    assertTrue(
        healthy.records().stream()
            .allMatch(g -> g.cause().equals(Verdict.HEALTHY) && g.component().equals("none")));

    ScenarioRun.Result throttled =
        ScenarioRun.run(
            Scenario.named(List.of("gpu-throttling")).get(0),
            Duration.ofSeconds(10),
            dir.resolve("t"));
    check(throttled);
    assertTrue(throttled.affected() > 0, "some requests on w1 overlap the throttle");
    for (GroundTruth g : throttled.records()) {
      if (g.affected()) {
        assertEquals(Verdict.GPU_THROTTLING, g.cause());
        assertEquals("worker w1", g.component());
        assertFalse(g.warmup());
      }
    }
  }

  /** One ingress SERVER span per record; affected exactly when on the target within the window. */
  private static void check(ScenarioRun.Result r) throws Exception {
    List<SpanRecord> spans = TraceFile.read(r.traces()).spans();
    Map<String, Integer> ingress = new HashMap<>();
    Map<String, String> worker = new HashMap<>();
    for (SpanRecord s : spans) {
      if (s.kind() == SpanRecord.KIND_SERVER && s.service().equals("infertrace-ingress")) {
        ingress.merge(s.traceId(), 1, Integer::sum);
      }
      if (s.kind() == SpanRecord.KIND_SERVER && s.service().startsWith("infertrace-worker-")) {
        worker.put(s.traceId(), s.service().substring("infertrace-worker-".length()));
      }
    }
    List<GroundTruth> truth = GroundTruth.read(r.truth());
    assertEquals(r.records(), truth, "the file holds what the run labelled");
    assertTrue(truth.size() >= 10, "a steady load: " + truth.size());
    assertEquals(0, r.unmatched(), "every request sent has its ingress span");
    Set<String> ids = new HashSet<>();
    for (GroundTruth g : truth) {
      assertTrue(ids.add(g.traceId()), "one record per trace");
      assertEquals(1, ingress.getOrDefault(g.traceId(), 0), "one ingress SERVER span");
    }
    assertEquals(ids, ingress.keySet(), "no ingress span without a record");

    JsonNode meta = new ObjectMapper().readTree(r.truth().resolveSibling("scenario.json").toFile());
    long ws = meta.path("windowStartUnixNano").asLong();
    long we = meta.path("windowEndUnixNano").asLong();
    assertTrue(we > ws);
    boolean injects = r.scenario().kind() != Scenario.Kind.NONE;
    for (GroundTruth g : truth) {
      assertEquals(worker.getOrDefault(g.traceId(), ""), g.worker());
      boolean exposed =
          injects && g.worker().equals("w1") && g.startUnixNano() < we && g.endUnixNano() > ws;
      // Affected: exposed and slowed as the client saw it; exposed and slowed a little: unscored.
      assertTrue(exposed || !g.affected(), g.toJson());
      assertTrue(
          exposed
              || g.unscored().isEmpty()
              || g.unscored().startsWith(ScenarioScore.SLOWED_UNLABELLED) && !g.warmup(),
          g.toJson());
      assertTrue(!g.affected() || g.unscored().isEmpty(), g.toJson());
      assertEquals(200, g.status(), g.toJson());
    }
  }

  @Test
  void scoreCountsTopOneAndFalseBlame() {
    List<GroundTruth> truth =
        List.of(
            gt("s", "t1", Verdict.GPU_THROTTLING, "worker w1", true, false),
            gt("s", "t2", Verdict.GPU_THROTTLING, "worker w1", true, false),
            gt("s", "t3", Verdict.GPU_THROTTLING, "worker w1", true, false),
            gt("s", "t4", Verdict.GPU_THROTTLING, "worker w1", true, false),
            gt("s", "t5", Verdict.HEALTHY, "none", false, false),
            gt("s", "t6", Verdict.HEALTHY, "none", false, false),
            gt("s", "t7", Verdict.HEALTHY, "none", false, false),
            gt("s", "t8", Verdict.HEALTHY, "none", false, true), // warm-up: not scored
            gt("h", "u1", Verdict.HEALTHY, "none", false, false),
            gt("h", "u2", Verdict.HEALTHY, "none", false, false),
            unscored("u3", "collateral: on w1 beside x"), // known to be touched: not scored
            unscored(
                "u4",
                ScenarioScore.SLOWED_UNLABELLED + "first token after 0.300 s")); // raw blame only
    Map<String, Verdict> v = new HashMap<>();
    v.put("t1", new Verdict("worker w1", "decode", Verdict.GPU_THROTTLING, ""));
    v.put("t2", new Verdict("gpu GPU-0", "decode", Verdict.GPU_THROTTLING, ""));
    v.put("t3", new Verdict("worker w1", "queue", Verdict.ENGINE_QUEUEING, ""));
    // t4: no verdict (cannot tell)
    v.put("t5", Verdict.healthy(""));
    v.put("t6", new Verdict("worker w0", "decode", Verdict.BATCH_CONTENTION, ""));
    v.put("t7", Verdict.cannotTell("no spans"));
    v.put("t8", new Verdict("worker w0", "decode", Verdict.GPU_THROTTLING, ""));
    v.put("u1", new Verdict("epp", "route", Verdict.EPP_SLOW, ""));
    v.put("u3", new Verdict("worker w1", "queue", Verdict.ENGINE_QUEUEING, ""));
    v.put("u4", new Verdict("epp", "route", Verdict.EPP_SLOW, ""));
    // Two causes at once: a verdict naming either is right, with the component of that one.
    List<GroundTruth> both =
        List.of(
            gt("b", "b1", "gpu_throttling+epp_slow", "worker w1+epp", true, false),
            gt("b", "b2", "gpu_throttling+epp_slow", "worker w1+epp", true, false),
            gt("b", "b3", "gpu_throttling+epp_slow", "worker w1+epp", true, false));
    Map<String, Verdict> bv =
        Map.of(
            "b1", new Verdict("epp", "route", Verdict.EPP_SLOW, ""),
            "b2", new Verdict("gpu GPU-1 (worker w1)", "decode", Verdict.GPU_THROTTLING, ""),
            "b3", new Verdict("worker w1", "queue", Verdict.ENGINE_QUEUEING, ""));
    ScenarioScore.Row b = ScenarioScore.score(both, bv).get(0);
    assertEquals("gpu_throttling+epp_slow", b.cause());
    assertEquals(3, b.affected());
    assertEquals(2, b.correct());
    assertEquals(2, b.componentCorrect());
    List<ScenarioScore.Row> rows = ScenarioScore.score(truth, v);
    assertEquals(
        List.of(
            new ScenarioScore.Row("s", Verdict.GPU_THROTTLING, 4, 2, 1, 1, 3, 1, 0, 0, 0),
            new ScenarioScore.Row("h", Verdict.HEALTHY, 0, 0, 0, 0, 2, 1, 2, 1, 1)),
        rows);
    assertEquals(0.5, rows.get(0).top1());
    assertEquals(1.0 / 3, rows.get(0).falseBlame(), 1e-9);
    assertTrue(Double.isNaN(rows.get(1).top1()));
    assertEquals(2.0 / 3, rows.get(1).rawBlame(), 1e-9);
    String md = ScenarioScore.markdown(rows);
    assertTrue(
        md.startsWith("| scenario |") && md.contains("| slowed, no cause | blamed, all |\n|---|"),
        md);
    assertTrue(
        md.contains(
            "| s | gpu_throttling | 4 | 50.0% (2) | 25.0% (1) | 25.0% (1) | 3 | 33.3% (1) | 0 | 0 | 33.3% (1) |"),
        md);
    assertTrue(
        md.contains("| h | healthy | 0 | – | – | – | 2 | 50.0% (1) | 2 | 1 | 66.7% (2) |"), md);
    assertTrue(
        md.contains(
            "| **all** |  | 4 | 50.0% (2) | 25.0% (1) | 25.0% (1) | 5 | 40.0% (2) | 2 | 1 | 50.0% (3) |"),
        md);
  }

  @Test
  void listNamesEveryScenarioWithAVerdictCause() throws Exception {
    Set<String> causes = new HashSet<>();
    for (var f : Verdict.class.getFields()) {
      if (f.getType() == String.class) {
        causes.add((String) f.get(null));
      }
    }
    Set<String> names = new HashSet<>();
    for (Scenario s : Scenario.all()) {
      assertTrue(names.add(s.name()), s.name());
      for (Scenario part : s.parts()) {
        assertTrue(causes.contains(part.cause()), part.cause());
      }
    }
    assertTrue(
        Scenario.all().stream().anyMatch(s -> s.parts().size() == 2), "runs with two causes");
    var cmd = TestbedMain.commandLine();
    StringWriter out = new StringWriter();
    cmd.setOut(new PrintWriter(out));
    assertEquals(0, cmd.execute("scenarios", "--list"));
    for (Scenario s : Scenario.all()) {
      assertTrue(out.toString().contains(s.name()), out.toString());
    }
    assertEquals(
        2,
        TestbedMain.commandLine()
            .setErr(new PrintWriter(new StringWriter()))
            .execute("scenarios", "--only", "nope"));
  }

  private static GroundTruth unscored(String trace, String why) {
    return new GroundTruth(
        "h",
        trace,
        trace,
        Verdict.HEALTHY,
        "none",
        false,
        false,
        "c0",
        "w1",
        0,
        1,
        200,
        false,
        why);
  }

  private static GroundTruth gt(
      String scenario,
      String trace,
      String cause,
      String component,
      boolean affected,
      boolean warmup) {
    return new GroundTruth(
        scenario, trace, trace, cause, component, affected, warmup, "c0", "w1", 0, 1, 200, false,
        "");
  }
}
