package dev.infertrace.testbed.scenario;

import dev.infertrace.explain.verdict.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores verdicts against a scenario run's ground truth, per scenario: top-1 accuracy on the
 * affected requests (the verdict's cause is the label's cause) and the false-blame rate on the
 * unaffected ones (the verdict blames a cause, i.e. is neither {@code healthy} nor {@code
 * cannot_tell}). Warm-up requests are left out. A request without a verdict counts as {@code
 * cannot_tell}: wrong when affected, no blame when not.
 */
public final class ScenarioScore {
  /**
   * One scenario's score.
   *
   * @param correct affected requests whose verdict names the label's cause
   * @param componentCorrect of those, the ones whose verdict also names the label's component
   * @param cannotTell affected requests answered {@code cannot_tell} (or not at all)
   * @param blamed unaffected requests whose verdict blames some cause
   */
  public record Row(
      String scenario,
      String cause,
      int affected,
      int correct,
      int componentCorrect,
      int cannotTell,
      int unaffected,
      int blamed) {
    /** Top-1 accuracy on the affected requests; NaN when there are none. */
    public double top1() {
      return affected == 0 ? Double.NaN : (double) correct / affected;
    }

    /** Share of the unaffected requests blamed on some cause; NaN when there are none. */
    public double falseBlame() {
      return unaffected == 0 ? Double.NaN : (double) blamed / unaffected;
    }
  }

  private ScenarioScore() {}

  /** One row per scenario, in the order the scenarios first appear in {@code truth}. */
  public static List<Row> score(List<GroundTruth> truth, Map<String, Verdict> verdicts) {
    Map<String, int[]> counts = new LinkedHashMap<>();
    Map<String, String> causes = new LinkedHashMap<>();
    for (GroundTruth g : truth) {
      int[] c = counts.computeIfAbsent(g.scenario(), k -> new int[6]);
      causes.putIfAbsent(g.scenario(), Verdict.HEALTHY);
      if (g.warmup()) {
        continue;
      }
      Verdict v = verdicts.get(g.traceId());
      String cause = v == null ? Verdict.CANNOT_TELL : v.cause();
      if (g.affected()) {
        causes.put(g.scenario(), g.cause());
        c[0]++;
        if (cause.equals(g.cause())) {
          c[1]++;
          if (v.component().contains(g.component())) { // "gpu GPU-1 (worker w1)" names worker w1
            c[2]++;
          }
        } else if (cause.equals(Verdict.CANNOT_TELL)) {
          c[3]++;
        }
      } else {
        c[4]++;
        if (!cause.equals(Verdict.HEALTHY) && !cause.equals(Verdict.CANNOT_TELL)) {
          c[5]++;
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    counts.forEach(
        (name, c) -> rows.add(new Row(name, causes.get(name), c[0], c[1], c[2], c[3], c[4], c[5])));
    return rows;
  }

  /** The rows as a Markdown table (the body of DIAGNOSIS.md), with a total row. */
  public static String markdown(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append("| scenario | injected cause | affected | top-1 | + component | cannot tell |")
        .append(" unaffected | false blame |\n")
        .append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    int[] t = new int[6];
    for (Row r : rows) {
      line(b, r);
      t[0] += r.affected();
      t[1] += r.correct();
      t[2] += r.componentCorrect();
      t[3] += r.cannotTell();
      t[4] += r.unaffected();
      t[5] += r.blamed();
    }
    line(b, new Row("**all**", "", t[0], t[1], t[2], t[3], t[4], t[5]));
    return b.toString();
  }

  private static void line(StringBuilder b, Row r) {
    b.append("| ")
        .append(r.scenario())
        .append(" | ")
        .append(r.cause())
        .append(" | ")
        .append(r.affected())
        .append(" | ")
        .append(ratio(r.correct(), r.affected()))
        .append(" | ")
        .append(ratio(r.componentCorrect(), r.affected()))
        .append(" | ")
        .append(ratio(r.cannotTell(), r.affected()))
        .append(" | ")
        .append(r.unaffected())
        .append(" | ")
        .append(ratio(r.blamed(), r.unaffected()))
        .append(" |\n");
  }

  private static String ratio(int n, int of) {
    return of == 0 ? "–" : String.format(Locale.ROOT, "%.1f%% (%d)", 100.0 * n / of, n);
  }
}
