package dev.infertrace.testbed.scenario;

import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.verdict.Verdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * THE call site of the verdict engine, the one place to wire explain's {@code Explainer} in:
 * replace the body of {@link #of} with its verdict per trace and make {@link #available()} true.
 * Until then every trace is {@code cannot_tell} and {@code ./infertrace scenarios} prints no score
 * table.
 */
public final class Verdicts {
  private Verdicts() {}

  /** Whether a verdict engine is wired in. */
  public static boolean available() {
    return false;
  }

  /** The verdict of each trace, by trace id. */
  public static Map<String, Verdict> of(List<Trace> traces) {
    Map<String, Verdict> out = new LinkedHashMap<>();
    for (Trace t : traces) {
      out.put(t.traceId(), Verdict.cannotTell("no verdict engine wired in yet"));
    }
    return out;
  }
}
