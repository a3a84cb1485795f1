package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** An exchange's time by segment: each phase until the next, the response split three ways. */
class PhaseClockTest {
  private static final long MS = 1_000_000;

  private static double sum(PhaseClock.Segments g) {
    double total = 0;
    for (double d :
        new double[] {
          g.requestRead(),
          g.route(),
          g.connect(),
          g.upstreamHead(),
          g.eppResponse(),
          g.relay(),
          g.clientSlowRead()
        }) {
      if (!Double.isNaN(d)) {
        total += d;
      }
    }
    return total;
  }

  @Test
  void theGatewaysSegmentsAddUpToTheWholeExchange() {
    PhaseClock c = new PhaseClock(1000 * MS);
    c.enter(Phase.ROUTING, 1002 * MS);
    c.enter(Phase.CONNECTING, 1010 * MS);
    c.enter(Phase.WAITING, 1011 * MS);
    c.enter(Phase.STREAMING, 1050 * MS);
    c.eppResponse(3 * MS);
    c.clientStall(20 * MS);

    PhaseClock.Segments g = c.segments(1250 * MS);

    assertThat(g.requestRead()).isCloseTo(0.002, within(1e-9));
    assertThat(g.route()).isCloseTo(0.008, within(1e-9));
    assertThat(g.connect()).isCloseTo(0.001, within(1e-9));
    assertThat(g.upstreamHead()).isCloseTo(0.039, within(1e-9));
    assertThat(g.eppResponse()).isCloseTo(0.003, within(1e-9));
    assertThat(g.clientSlowRead()).isCloseTo(0.020, within(1e-9));
    assertThat(g.relay()).isCloseTo(0.177, within(1e-9));
    assertThat(sum(g)).isCloseTo(0.250, within(1e-9));
  }

  @Test
  void handingTheLastPartToAClientThatDoesNotReadIsTheClientsWait() {
    PhaseClock c = new PhaseClock(0);
    c.enter(Phase.WAITING, 1 * MS);
    c.enter(Phase.STREAMING, 11 * MS);
    c.clientStall(30 * MS);
    c.enter(Phase.DELIVERING, 211 * MS); // the upstream's last part
    c.delivered(2211 * MS); // the client's connection took it two seconds later

    PhaseClock.Segments g = c.segments(c.deliveredNanos());

    assertThat(g.upstreamHead()).isCloseTo(0.010, within(1e-9));
    assertThat(g.clientSlowRead()).isCloseTo(0.030 + 2.0, within(1e-9));
    assertThat(g.relay()).isCloseTo(0.170, within(1e-9));
    assertThat(sum(g)).isCloseTo(2.211, within(1e-9));
  }

  @Test
  void aPhaseThatNeverCameIsNaNAndTheRestStillAddUp() {
    PhaseClock c = new PhaseClock(0);
    c.enter(Phase.CONNECTING, 1 * MS);
    c.enter(Phase.CONNECTING, 2 * MS); // the first mark counts

    PhaseClock.Segments g = c.segments(6 * MS); // the connect failed: the exchange ended here

    assertThat(g.route()).isNaN();
    assertThat(g.upstreamHead()).isNaN();
    assertThat(g.relay()).isNaN();
    assertThat(g.clientSlowRead()).isNaN();
    assertThat(g.connect()).isCloseTo(0.005, within(1e-9));
    assertThat(sum(g)).isCloseTo(0.006, within(1e-9));
  }

  @Test
  void waitsLongerThanTheResponseAreCappedAtIt() {
    PhaseClock c = new PhaseClock(0);
    c.enter(Phase.WAITING, 0);
    c.enter(Phase.STREAMING, 1 * MS);
    c.clientStall(50 * MS); // the last write's wait can outlast the span's end

    PhaseClock.Segments g = c.segments(11 * MS);

    assertThat(g.clientSlowRead()).isCloseTo(0.010, within(1e-9));
    assertThat(g.relay()).isZero();
    assertThat(sum(g)).isCloseTo(0.011, within(1e-9));
  }
}
