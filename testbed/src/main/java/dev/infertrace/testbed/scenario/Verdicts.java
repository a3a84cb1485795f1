package dev.infertrace.testbed.scenario;

import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.verdict.Explainer;
import dev.infertrace.explain.verdict.Verdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scenarios' one call site of the verdict engine: explain's {@link Explainer}, over each
 * scenario's whole window of traces (its peers are the baseline), exactly as {@code ./infertrace
 * explain} runs it.
 */
public final class Verdicts {
  private Verdicts() {}

  /** Whether a verdict engine is wired in. */
  public static boolean available() {
    return true;
  }

  /** The verdict of each request's trace, by trace id. */
  public static Map<String, Verdict> of(List<Trace> traces) {
    Map<String, Verdict> out = new LinkedHashMap<>();
    for (Explainer.Explained e : Explainer.explain(traces)) {
      out.put(e.traceId(), e.verdict());
    }
    return out;
  }
}
