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
  /** The {@link GroundTruth#unscored()} prefix of a request slowed with no cause injected. */
  public static final String SLOWED_UNLABELLED = "slowed, no injected cause: ";

  /**
   * One scenario's score.
   *
   * @param correct affected requests whose verdict names the label's cause
   * @param componentCorrect of those, the ones whose verdict also names the label's component
   * @param cannotTell affected requests answered {@code cannot_tell} (or not at all)
   * @param blamed unaffected requests whose verdict blames some cause
   * @param slowedBlamed of the unscored, those slowed with no injected cause that the verdict
   *     blamed on something (counted in {@link #rawBlame()})
   * @param unscored requests left out: slowed only a little, or slowed by a neighbour carrying the
   *     cause ({@link GroundTruth#unscored()})
   */
  public record Row(
      String scenario,
      String cause,
      int affected,
      int correct,
      int componentCorrect,
      int cannotTell,
      int unaffected,
      int blamed,
      int unscored,
      int slowed,
      int slowedBlamed) {
    /** Top-1 accuracy on the affected requests; NaN when there are none. */
    public double top1() {
      return affected == 0 ? Double.NaN : (double) correct / affected;
    }

    /**
     * Share of every request without an injected cause blamed on some cause, including those slowed
     * anyway; NaN when there are none.
     */
    public double rawBlame() {
      return unaffected + slowed == 0
          ? Double.NaN
          : (double) (blamed + slowedBlamed) / (unaffected + slowed);
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
      int[] c = counts.computeIfAbsent(g.scenario(), k -> new int[9]);
      causes.putIfAbsent(g.scenario(), Verdict.HEALTHY);
      if (g.warmup()) {
        continue;
      }
      if (!g.scored()) {
        c[6]++;
        if (!g.warmup() && g.unscored().startsWith(SLOWED_UNLABELLED)) {
          c[7]++;
          Verdict sv = verdicts.get(g.traceId());
          if (sv != null
              && !sv.cause().equals(Verdict.HEALTHY)
              && !sv.cause().equals(Verdict.CANNOT_TELL)) {
            c[8]++;
          }
        }
        continue;
      }
      Verdict v = verdicts.get(g.traceId());
      String cause = v == null ? Verdict.CANNOT_TELL : v.cause();
      if (g.affected()) {
        // The longest label: with two causes at once, a request may carry one or both.
        causes.merge(g.scenario(), g.cause(), (a, b) -> b.length() > a.length() ? b : a);
        c[0]++;
        // A request hit by several causes (a+b) is named right by a verdict naming any of them.
        List<String> labelled = List.of(g.cause().split("\\+"));
        List<String> where = List.of(g.component().split("\\+"));
        int k = labelled.indexOf(cause);
        if (k >= 0) {
          c[1]++;
          // "gpu GPU-1 (worker w1)" names worker w1
          if (v.component().contains(where.get(Math.min(k, where.size() - 1)))) {
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
        (name, c) ->
            rows.add(
                new Row(
                    name, causes.get(name), c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8])));
    return rows;
  }

  /** The rows as a Markdown table (the body of DIAGNOSIS.md), with a total row. */
  public static String markdown(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append("| scenario | injected cause | affected | top-1 | + component | cannot tell |")
        .append(" unaffected | false blame | not scored | slowed, no cause | blamed, all |\n")
        .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    int[] t = new int[9];
    for (Row r : rows) {
      line(b, r);
      t[0] += r.affected();
      t[1] += r.correct();
      t[2] += r.componentCorrect();
      t[3] += r.cannotTell();
      t[4] += r.unaffected();
      t[5] += r.blamed();
      t[6] += r.unscored();
      t[7] += r.slowed();
      t[8] += r.slowedBlamed();
    }
    line(b, new Row("**all**", "", t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]));
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
        .append(" | ")
        .append(r.unscored())
        .append(" | ")
        .append(r.slowed())
        .append(" | ")
        .append(ratio(r.blamed() + r.slowedBlamed(), r.unaffected() + r.slowed()))
        .append(" |\n");
  }

  private static String ratio(int n, int of) {
    return of == 0 ? "–" : String.format(Locale.ROOT, "%.1f%% (%d)", 100.0 * n / of, n);
  }
}
