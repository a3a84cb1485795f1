package dev.infertrace.testbed.scenario;

import dev.infertrace.testbed.scenario.ScenarioClient.Behaviour;
import dev.infertrace.testbed.scenario.ScenarioClient.Sent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a request of a run typically took as the clients saw it — the median time to first token and
 * time per output token of the well-behaved requests sent outside the injection's window — and
 * whether an exposed request was slowed against that. This is the ground truth's own yardstick,
 * from the clients' clocks, not from any span: a request on the faulted worker that was served as
 * fast as its peers was not hurt, and a verdict of "healthy" for it is right.
 *
 * <p>Slowed means its time to first token more than doubled (and by 50 ms or more) or its
 * end-to-end time was a quarter above typical for its length (and 25 ms); not slowed means under
 * half those margins. In between is {@link Slowdown#SLIGHT}: left out of the score, since neither
 * answer is known to be right.
 */
record ClientTypical(double ttftSeconds, double tpotSeconds) {

  /** How much an exposed request was slowed. */
  enum Slowdown {
    NONE,
    SLIGHT,
    SLOWED
  }

  static ClientTypical of(List<Sent> sent, long measuredFrom, ScenarioRun.Window window) {
    List<Double> ttft = new ArrayList<>();
    List<Double> tpot = new ArrayList<>();
    for (Sent s : sent) {
      if (s.behaviour() != Behaviour.NORMAL
          || s.status() != 200
          || s.cancelled()
          || s.startNanos() < measuredFrom
          || window.overlaps(s.startNanos(), s.endNanos())
          || s.firstTokenNanos() == 0
          || s.tokens() < 2) {
        continue;
      }
      ttft.add((s.firstTokenNanos() - s.startNanos()) / 1e9);
      tpot.add((s.doneNanos() - s.firstTokenNanos()) / 1e9 / (s.tokens() - 1));
    }
    return new ClientTypical(median(ttft), median(tpot));
  }

  Slowdown slowdown(Sent s) {
    if (s.firstTokenNanos() == 0 || Double.isNaN(ttftSeconds)) {
      return Slowdown.SLOWED; // no token at all, or nothing to compare with: it did not go well
    }
    double ttftOver = ttft(s) - ttftSeconds;
    double e2eTypical = e2eTypical(s);
    double e2eOver = e2e(s) - e2eTypical;
    if (ttftOver > Math.max(ttftSeconds, 0.05) || e2eOver > Math.max(0.25 * e2eTypical, 0.025)) {
      return Slowdown.SLOWED;
    }
    if (ttftOver < Math.max(0.5 * ttftSeconds, 0.025)
        && e2eOver < Math.max(0.125 * e2eTypical, 0.0125)) {
      return Slowdown.NONE;
    }
    return Slowdown.SLIGHT;
  }

  String describe(Sent s) {
    return String.format(
        Locale.ROOT,
        "first token after %.3f s (typical %.3f), %.3f s in all (typical %.3f for %d tokens)",
        ttft(s),
        ttftSeconds,
        e2e(s),
        e2eTypical(s),
        s.tokens());
  }

  private static double ttft(Sent s) {
    return (s.firstTokenNanos() - s.startNanos()) / 1e9;
  }

  private static double e2e(Sent s) {
    return (s.doneNanos() - s.startNanos()) / 1e9;
  }

  private double e2eTypical(Sent s) {
    return ttftSeconds + tpotSeconds * Math.max(0, s.tokens() - 1);
  }

  private static double median(List<Double> v) {
    if (v.isEmpty()) {
      return Double.NaN;
    }
    double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a[a.length / 2];
  }
}
