package dev.infertrace.explain;

import dev.infertrace.explain.verdict.Explainer;
import dev.infertrace.explain.verdict.Verdict;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** explain's text for people: the verdicts of a window, as the CLI and the demo print them. */
public final class Report {
  private Report() {}

  /** The slow requests grouped by verdict, ranked by the time they lost. */
  public static void verdicts(PrintWriter out, List<Explainer.Explained> explained) {
    Map<String, List<Explainer.Explained>> byVerdict = new LinkedHashMap<>();
    for (Explainer.Explained e : explained) {
      if (!e.verdict().cause().equals(Verdict.HEALTHY)) {
        byVerdict
            .computeIfAbsent(
                e.verdict().component() + " / " + e.verdict().phase() + " / " + e.verdict().cause(),
                k -> new ArrayList<>())
            .add(e);
      }
    }
    long healthy = explained.size() - byVerdict.values().stream().mapToLong(List::size).sum();
    out.printf(
        Locale.ROOT,
        "verdicts: %d healthy, %d slow or failed%n",
        healthy,
        explained.size() - healthy);
    byVerdict.entrySet().stream()
        .sorted(
            Comparator.comparingDouble(
                    (Map.Entry<String, List<Explainer.Explained>> e) ->
                        e.getValue().stream().mapToDouble(Explainer.Explained::lost).sum())
                .reversed())
        .forEach(
            e -> {
              List<Explainer.Explained> list =
                  e.getValue().stream()
                      .sorted(Comparator.comparingDouble(Explainer.Explained::lost).reversed())
                      .toList();
              out.printf(
                  Locale.ROOT,
                  "  %-60s %4d request(s), %8.3f s lost; e.g. %s%n",
                  e.getKey(),
                  list.size(),
                  list.stream().mapToDouble(Explainer.Explained::lost).sum(),
                  String.join(
                      " ", list.stream().limit(3).map(Explainer.Explained::traceId).toList()));
              out.printf("      %s%n", list.get(0).verdict().evidence());
            });
  }
}
