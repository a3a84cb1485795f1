package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The stall arithmetic, on recorded stalls (milliseconds as nanoseconds, to read easily). */
class LoopStallsTest {
  private static final long MS = 1_000_000L;

  private static LoopStalls ticked(long lastTickMs) {
    LoopStalls s = new LoopStalls();
    s.record(1_000 * MS, 1_300 * MS); // 300 ms
    s.record(2_000 * MS, 2_050 * MS); // 50 ms
    // The ticker's last run, so that no stall is pending at the instants asked about below.
    for (long t = 2_050 * MS; t <= lastTickMs * MS; t += LoopStalls.PERIOD_NANOS) {
      s.tick(t);
    }
    return s;
  }

  @Test
  void aStallInsideTheRequestCountsWhole_oneAroundItsStartFromItsOwnStart_othersNot() {
    LoopStalls s = ticked(5_000);
    long now = 5_000 * MS;
    assertThat(s.overlap(900 * MS, 1_500 * MS, now)).isEqualTo(300 * MS);
    // The request arrived during the stall: its bytes may have waited since the stall began.
    assertThat(s.overlap(1_200 * MS, 1_500 * MS, now)).isEqualTo(300 * MS);
    assertThat(s.overlap(1_200 * MS, 1_200 * MS, now)).as("of which before it").isEqualTo(200 * MS);
    // It ended during the stall: only the part before its end.
    assertThat(s.overlap(900 * MS, 1_100 * MS, now)).isEqualTo(100 * MS);
    assertThat(s.overlap(900 * MS, 2_500 * MS, now)).isEqualTo(350 * MS);
    assertThat(s.overlap(1_400 * MS, 1_900 * MS, now)).as("between the stalls").isZero();
    assertThat(s.overlap(3_000 * MS, 4_000 * MS, now)).as("after them").isZero();
  }

  @Test
  void theStallsBetweenReadingTheRequestAndForwardingItAreTheirOwnFigure() {
    LoopStalls s = ticked(5_000);
    long now = 5_000 * MS;
    // read at 900, forwarded at 1_310 (the 300 ms stall held it on its way), ended at 2_500
    assertThat(s.stalled(900 * MS, 1_310 * MS, 2_500 * MS, now))
        .containsExactly(350 * MS, 0, 300 * MS);
    // read during the 300 ms stall (at 1_200, 200 ms of it before): the rest held it on its way
    assertThat(s.stalled(1_200 * MS, 1_305 * MS, 1_500 * MS, now))
        .containsExactly(300 * MS, 200 * MS, 100 * MS);
    // forwarded before the stall: the stall came while it was upstream, not on its way
    assertThat(s.stalled(900 * MS, 950 * MS, 1_500 * MS, now)).containsExactly(300 * MS, 0, 0);
    // never forwarded (a request that failed before it went upstream): up to its end at most
    assertThat(s.stalled(900 * MS, 0, 1_100 * MS, now)).containsExactly(100 * MS, 0, 0);
    assertThat(s.stalled(900 * MS, Long.MAX_VALUE, 1_100 * MS, now))
        .containsExactly(100 * MS, 0, 100 * MS);
    assertThat(s.stalled(3_000 * MS, 3_500 * MS, 4_000 * MS, now)).as("no stall").containsOnly(0);
  }

  @Test
  void aStallJustOverIsCountedBeforeTheTickerRecordsIt() {
    LoopStalls s = ticked(3_000);
    // The loop was held from 3 010 ms (the tick due then) to 3 400 ms, and runs the held-up I/O —
    // the end of a request — before its ticker: the stall is not recorded yet, and counts.
    assertThat(s.overlap(2_900 * MS, 3_400 * MS, 3_400 * MS)).isEqualTo(390 * MS);
    // A tick only a little late is no stall.
    assertThat(s.overlap(2_900 * MS, 3_025 * MS, 3_025 * MS)).isZero();
  }

  @Test
  void anEventStampedRightAfterAStallWasHeldByIt_fromTheRequestsStartAtTheEarliest() {
    LoopStalls s = ticked(5_000);
    long now = 5_000 * MS;
    // The end came in during the 300 ms stall (1 000–1 300) and was stamped as it ended.
    assertThat(s.delay(900 * MS, 1_290 * MS, now)).isEqualTo(290 * MS);
    assertThat(s.delay(1_100 * MS, 1_290 * MS, now))
        .as("not before its request")
        .isEqualTo(190 * MS);
    assertThat(s.delay(900 * MS, 1_600 * MS, now)).as("stamped away from any stall").isZero();
    // The ticker recorded the stall (to 1 300 ms) before the loop ran the I/O it held up: an end
    // stamped 1 ms later was held too, one stamped 5 ms later was not.
    assertThat(s.delay(900 * MS, 1_301 * MS, now)).isEqualTo(301 * MS);
    assertThat(s.delay(900 * MS, 1_305 * MS, now)).isZero();
    // The stall just over and not recorded yet (held from 5 010 ms, now 5 200 ms).
    assertThat(s.delay(4_900 * MS, 5_195 * MS, 5_200 * MS)).isEqualTo(185 * MS);
  }

  @Test
  void theIoPassAfterARecordedStallIsTheStallsHoweverLongItTakes() {
    LoopStalls s = new LoopStalls();
    s.tick(1_000 * MS);
    s.tick(1_400 * MS); // held from 1 010 to 1 400 ms: recorded, the loop resuming
    // The held-up I/O runs after the ticker: a request end stamped 6 ms later (past the fixed
    // slack) and a request read then were both held by the stall.
    assertThat(s.delay(900 * MS, 1_406 * MS, 1_406 * MS)).isEqualTo(396 * MS);
    assertThat(s.overlap(1_405 * MS, 1_405 * MS, 1_406 * MS))
        .as("a request read in that pass waited through the stall before it")
        .isEqualTo(395 * MS);
    s.resumed(1_407 * MS); // the pass is over: the stall ended then
    assertThat(s.delay(900 * MS, 1_420 * MS, 1_420 * MS)).as("a later event").isZero();
    assertThat(s.overlap(1_410 * MS, 1_420 * MS, 1_420 * MS)).isZero();
    assertThat(s.overlap(900 * MS, 1_420 * MS, 1_420 * MS)).isEqualTo(397 * MS);
  }

  @Test
  void onlyTheNewestStallsAreKept() {
    LoopStalls s = new LoopStalls();
    for (int i = 0; i < LoopStalls.KEPT + 10; i++) {
      s.record(i * 100 * MS, (i * 100 + 30) * MS);
    }
    s.tick((LoopStalls.KEPT + 10) * 100 * MS);
    long end = (LoopStalls.KEPT + 10) * 100 * MS;
    assertThat(s.overlap(0, end, end) / 1e9).isCloseTo(LoopStalls.KEPT * 0.030, within(1e-9));
  }
}
