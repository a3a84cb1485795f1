package dev.infertrace.testbed.soak;

import dev.infertrace.testbed.scenario.ScenarioClient.Behaviour;
import dev.infertrace.testbed.scenario.ScenarioClient.Sent;
import java.util.List;
import javax.annotation.Nullable;

/**
 * What became of one soak request, from what its client saw: it completed, its client hung up on
 * purpose, or it failed — and then whether a fault explains the failure. A failure is explained
 * when a fault on a component the request touched (the worker it was routed to, or the EPP) was
 * active while it ran, or had ended less than the grace before it started. The collector and the
 * DCGM exporters are on no request's path: their faults explain nothing.
 */
public final class Outcome {
  /** The classes of {@link #classify}. */
  public enum Kind {
    OK,
    CANCELLED,
    EXPLAINED,
    UNEXPLAINED
  }

  /**
   * One verdict.
   *
   * @param fault the fault that explains a failure, or null
   * @param why a line on the failure (what the client saw), or empty
   */
  public record Verdict(Kind kind, @Nullable FaultWindow fault, String why) {}

  private Outcome() {}

  /** What the client saw of a request that did not complete, in a few words. */
  public static String failure(Sent s) {
    if (s.status() == -1 || (s.status() == 0 && s.error() != null)) {
      return "no response (" + (s.error() == null ? "closed" : s.error()) + ")";
    }
    if (s.status() != 200) {
      return "HTTP "
          + s.status()
          + (s.error() == null || s.error().isEmpty() ? "" : ": " + s.error());
    }
    return "stream cut after "
        + s.tokens()
        + " token(s)"
        + (s.error() == null ? "" : " (" + s.error() + ")");
  }

  /**
   * Classifies {@code s}.
   *
   * @param worker the worker the request was routed to (from its trace), or null when not known
   * @param faults every fault so far
   * @param graceNanos how long after a fault ended its failures still count as explained
   */
  public static Verdict classify(
      Sent s, @Nullable String worker, List<FaultWindow> faults, long graceNanos) {
    if (s.status() == 200 && s.complete()) {
      return new Verdict(Kind.OK, null, "");
    }
    if (s.behaviour() == Behaviour.CANCEL && s.cancelled()) {
      return new Verdict(Kind.CANCELLED, null, "");
    }
    String why = failure(s);
    for (FaultWindow f : faults) {
      if (!f.component().onRequestPath() || !f.overlaps(s.startNanos(), s.endNanos(), graceNanos)) {
        continue;
      }
      if (f.component() == FaultWindow.Component.EPP
          || (worker != null && (f.target().equals("all") || f.target().equals(worker)))) {
        return new Verdict(Kind.EXPLAINED, f, why);
      }
    }
    return new Verdict(
        Kind.UNEXPLAINED,
        null,
        why + (worker == null ? "; route unknown (no ingress span received)" : "; on " + worker));
  }
}
