package dev.infertrace.testbed.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.testbed.scenario.ScenarioClient.Behaviour;
import dev.infertrace.testbed.scenario.ScenarioClient.Sent;
import dev.infertrace.testbed.soak.FaultWindow.Component;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a soak request is classified against the faults: by what it touched and when it ran. */
class OutcomeTest {
  static final long S = 1_000_000_000L;
  static final long GRACE = 5 * S;

  /** A request from {@code from} to {@code to} seconds: cut off mid-stream after 3 tokens. */
  static Sent cut(long from, long to) {
    return new Sent(
        "r",
        "c",
        Behaviour.NORMAL,
        from * S,
        to * S,
        200,
        3,
        false,
        from * S + 1,
        to * S,
        false,
        null);
  }

  static Sent refused(long from, long to) {
    return new Sent(
        "r", "c", Behaviour.NORMAL, from * S, to * S, 502, 0, false, 0, to * S, false, null);
  }

  static FaultWindow fault(Component c, String target, long from, long to) {
    return new FaultWindow(c, target, from * S, to * S);
  }

  @Test
  void aFailureDuringAWorkerFaultOnThatWorkerIsExplained() {
    FaultWindow w1Down = fault(Component.WORKER, "w1", 100, 110);

    Outcome.Verdict v = Outcome.classify(cut(98, 103), "w1", List.of(w1Down), GRACE);

    assertThat(v.kind()).isEqualTo(Outcome.Kind.EXPLAINED);
    assertThat(v.fault()).isEqualTo(w1Down);
    assertThat(v.why()).isEqualTo("stream cut after 3 token(s)");
  }

  @Test
  void aFailureOnAnotherWorkerThanTheFaultedOneIsNot() {
    Outcome.Verdict v =
        Outcome.classify(
            cut(98, 103), "w0", List.of(fault(Component.WORKER, "w1", 100, 110)), GRACE);

    assertThat(v.kind()).isEqualTo(Outcome.Kind.UNEXPLAINED);
    assertThat(v.why()).endsWith("on w0");
  }

  @Test
  void aFailureOutsideAnyFaultIsNotExplained() {
    List<FaultWindow> faults =
        List.of(fault(Component.WORKER, "w1", 100, 110), fault(Component.EPP, "all", 160, 170));

    assertThat(Outcome.classify(refused(130, 131), "w1", faults, GRACE).kind())
        .isEqualTo(Outcome.Kind.UNEXPLAINED);
    assertThat(Outcome.classify(refused(90, 99), "w1", faults, GRACE).kind())
        .as("ended before the fault began")
        .isEqualTo(Outcome.Kind.UNEXPLAINED);
  }

  @Test
  void theGraceAfterAFaultEndsExplainsFailuresThenAndNoLater() {
    List<FaultWindow> faults = List.of(fault(Component.WORKER, "w1", 100, 110));

    assertThat(Outcome.classify(refused(114, 114), "w1", faults, GRACE).kind())
        .isEqualTo(Outcome.Kind.EXPLAINED);
    assertThat(Outcome.classify(refused(116, 116), "w1", faults, GRACE).kind())
        .isEqualTo(Outcome.Kind.UNEXPLAINED);
  }

  @Test
  void aFaultStillGoingOnExplainsWhatRunsDuringIt() {
    FaultWindow open = new FaultWindow(Component.WORKER, "w1", 100 * S, Long.MAX_VALUE);

    assertThat(Outcome.classify(refused(500, 501), "w1", List.of(open), GRACE).kind())
        .isEqualTo(Outcome.Kind.EXPLAINED);
  }

  @Test
  void theCollectorAndDcgmAreOnNoRequestsPathAndExplainNothing() {
    List<FaultWindow> faults =
        List.of(
            fault(Component.COLLECTOR, "all", 100, 110), fault(Component.DCGM, "all", 100, 110));

    Outcome.Verdict v = Outcome.classify(refused(101, 102), "w0", faults, GRACE);

    assertThat(v.kind()).isEqualTo(Outcome.Kind.UNEXPLAINED);
    assertThat(v.why()).startsWith("HTTP 502");
  }

  @Test
  void anEppFaultExplainsAnyRequestThatRanDuringIt() {
    List<FaultWindow> faults = List.of(fault(Component.EPP, "all", 100, 110));

    assertThat(Outcome.classify(refused(105, 105), null, faults, GRACE).kind())
        .as("no route at all: the EPP was the one to give it")
        .isEqualTo(Outcome.Kind.EXPLAINED);
  }

  @Test
  void aFailureWhoseRouteIsUnknownIsNotPutOnAWorkerFault() {
    Outcome.Verdict v =
        Outcome.classify(
            refused(101, 102), null, List.of(fault(Component.WORKER, "w1", 100, 110)), GRACE);

    assertThat(v.kind()).isEqualTo(Outcome.Kind.UNEXPLAINED);
    assertThat(v.why()).contains("route unknown");
  }

  @Test
  void completedAndClientCancelledRequestsAreNoFailures() {
    Sent done =
        new Sent("r", "c", Behaviour.SLOW_READ, 0, 5 * S, 200, 40, false, S, 5 * S, true, null);
    Sent hungUp = new Sent("r", "c", Behaviour.CANCEL, 0, S, 200, 3, true, S / 2, S, false, null);
    Sent cancelButFailedFirst =
        new Sent(
            "r", "c", Behaviour.CANCEL, 0, S, -1, 0, false, 0, S, false, "SocketException: reset");

    assertThat(Outcome.classify(done, null, List.of(), 0).kind()).isEqualTo(Outcome.Kind.OK);
    assertThat(Outcome.classify(hungUp, null, List.of(), 0).kind())
        .isEqualTo(Outcome.Kind.CANCELLED);
    Outcome.Verdict v = Outcome.classify(cancelButFailedFirst, null, List.of(), 0);
    assertThat(v.kind()).isEqualTo(Outcome.Kind.UNEXPLAINED);
    assertThat(v.why()).startsWith("no response (SocketException: reset)");
  }
}
