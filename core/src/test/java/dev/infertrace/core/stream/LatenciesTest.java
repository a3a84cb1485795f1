package dev.infertrace.core.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The latency definitions every span and metric shares. */
class LatenciesTest {
  private static final long MS = 1_000_000;

  private static StreamSummary stream(long firstEvent, long firstToken, int completionTokens) {
    GapHistogram gaps = new GapHistogram();
    gaps.record(10 * MS);
    gaps.record(30 * MS);
    return new StreamSummary(
        0,
        firstEvent,
        firstToken,
        0,
        0,
        3,
        gaps,
        7,
        completionTokens,
        -1,
        List.of(),
        null,
        null,
        null,
        0,
        true);
  }

  @Test
  void timesFromTheGivenStartAndTpotAsVllmDefinesIt() {
    Latencies t = Latencies.of(stream(150 * MS, 200 * MS, 5), 100 * MS, 1100 * MS);

    assertThat(t.e2e()).isCloseTo(1.0, within(1e-9));
    assertThat(t.timeToAck()).isCloseTo(0.05, within(1e-9));
    assertThat(t.ttft()).isCloseTo(0.1, within(1e-9));
    // (end − first token) / (output tokens − 1) = 0.9 s / 4
    assertThat(t.tpot()).isCloseTo(0.225, within(1e-9));
    assertThat(t.itlMean()).isCloseTo(0.02, within(1e-9));
    assertThat(t.itlMax()).isGreaterThanOrEqualTo(t.itlP99()).isGreaterThanOrEqualTo(t.itlP50());
  }

  @Test
  void momentsThatNeverCameAreNaN() {
    Latencies none = Latencies.of(null, 0, 2 * MS);
    assertThat(none.e2e()).isCloseTo(0.002, within(1e-12));
    assertThat(none.ttft()).isNaN();
    assertThat(none.tpot()).isNaN();
    assertThat(none.itlMean()).isNaN();

    Latencies oneToken = Latencies.of(stream(0, 5 * MS, 1), 0, 9 * MS);
    assertThat(oneToken.ttft()).isCloseTo(0.005, within(1e-12));
    assertThat(oneToken.timeToAck()).isNaN();
    assertThat(oneToken.tpot()).isNaN(); // one token: no time per output token
  }

  /** As a record: NaN components are equal (Double.compare), and the record's toString. */
  @Test
  void equalsAsARecordWouldWithNaN() {
    Latencies a = Latencies.of(null, 0, 2_000_000_000L);
    assertThat(a).isEqualTo(Latencies.of(null, 0, 2_000_000_000L));
    assertThat(a.hashCode()).isEqualTo(Latencies.of(null, 0, 2_000_000_000L).hashCode());
    assertThat(a)
        .hasToString(
            "Latencies[e2e=2.0, timeToAck=NaN, ttft=NaN, tpot=NaN, itlMean=NaN, itlP50=NaN,"
                + " itlP99=NaN, itlMax=NaN]");
  }
}
