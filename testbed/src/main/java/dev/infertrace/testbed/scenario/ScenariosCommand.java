package dev.infertrace.testbed.scenario;

import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.trace.TraceFile;
import dev.infertrace.explain.verdict.Verdict;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace scenarios}: diagnosis scenarios with their ground truth. */
@Command(
    name = "scenarios",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Runs diagnosis scenarios on the simulated cluster: 3 twins (w0..w2) behind worker"
          + " sidecars, the reference EPP and a tracing ingress, 6 streaming clients, and ONE"
          + " injected cause per scenario for a window in the middle of the run. Writes, per"
          + " scenario, the trace file (OTLP JSON lines) and the ground truth of every request:"
          + " DIR/NAME/traces.jsonl, DIR/NAME/ground-truth.jsonl and DIR/NAME/scenario.json, then"
          + " scores explain's verdicts against the ground truth, cause by cause (the table of"
          + " DIAGNOSIS.md)."
    })
public final class ScenariosCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--only",
      split = ",",
      paramLabel = "NAME",
      description = "Run only these scenarios (default: all; see --list).")
  private List<String> only = new ArrayList<>();

  @Option(
      names = "--seconds",
      description = "Load per scenario, warm-up included (default: ${DEFAULT-VALUE}; at least 5).")
  private int seconds = 20;

  @Option(
      names = "--out",
      description = "Where the files go (default: ${DEFAULT-VALUE}); replaced per scenario.")
  private Path out = Path.of("infertrace-scenarios");

  @Option(names = "--list", description = "List the scenarios, their causes and injections.")
  private boolean list;

  @Override
  public Integer call() throws Exception {
    PrintWriter w = spec.commandLine().getOut();
    List<Scenario> scenarios;
    try {
      scenarios = only.isEmpty() ? Scenario.all() : Scenario.named(only);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--only: " + e.getMessage());
    }
    if (list) {
      for (Scenario s : scenarios) {
        w.printf(
            Locale.ROOT,
            "%-18s %-20s %-9s %s%n",
            s.name(),
            s.causes(),
            ScenarioRun.targetOf(s).replace("clients c0..c1", "c0,c1"),
            s.how());
      }
      w.flush();
      return 0;
    }
    if (seconds < 5) {
      throw new ParameterException(spec.commandLine(), "--seconds must be at least 5");
    }
    w.printf(
        "scenarios: %d × %d s (warm-up %d s, cause injected from %d s to %d s) → %s%n",
        scenarios.size(),
        seconds,
        seconds / 5,
        seconds * 4 / 10,
        seconds * 7 / 10,
        out.toAbsolutePath());
    w.flush();
    List<ScenarioRun.Result> results = new ArrayList<>();
    int i = 0;
    for (Scenario s : scenarios) {
      ScenarioRun.Result r = ScenarioRun.run(s, Duration.ofSeconds(seconds), out.resolve(s.name()));
      results.add(r);
      w.printf(
          Locale.ROOT,
          "  [%d/%d] %-18s %-20s %4d requests, %3d affected, %d without a trace  (%.1f s)%n",
          ++i,
          scenarios.size(),
          s.name(),
          s.causes(),
          r.records().size(),
          r.affected(),
          r.unmatched(),
          r.took().toMillis() / 1000.0);
      w.flush();
    }
    if (Verdicts.available()) {
      List<GroundTruth> truth = new ArrayList<>();
      Map<String, Verdict> verdicts = new HashMap<>();
      for (ScenarioRun.Result r : results) {
        truth.addAll(r.records());
        verdicts.putAll(Verdicts.of(Trace.group(TraceFile.read(r.traces()).spans())));
      }
      String table = ScenarioScore.markdown(ScenarioScore.score(truth, verdicts));
      Files.writeString(
          out.resolve("DIAGNOSIS.md"),
          "# Diagnosis accuracy on the scenarios\n\n" + table,
          StandardCharsets.UTF_8);
      w.println();
      w.print(table);
    } else {
      w.println("scenarios: no verdict engine wired in (Verdicts.of), so no score table");
    }
    w.flush();
    return 0;
  }
}
