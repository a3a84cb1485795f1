package dev.infertrace.core.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GapHistogramTest {

  @Test
  void meanAndMaxAreExactAndPercentilesWithinOneSubBucket() {
    GapHistogram h = new GapHistogram();
    for (int ms = 1; ms <= 100; ms++) {
      h.record(ms * 1_000_000L);
    }

    assertThat(h.count()).isEqualTo(100);
    assertThat(h.meanNanos()).isEqualTo(50.5e6);
    assertThat(h.maxNanos()).isEqualTo(100_000_000L);
    assertThat(h.percentileNanos(0.5)).isBetween(50_000_000L, (long) (50e6 * 1.19));
    assertThat(h.percentileNanos(0.99)).isBetween(99_000_000L, 100_000_000L);
  }

  @Test
  void everyValueFallsInABucketWhoseUpperBoundIsAtLeastIt() {
    for (long v = 0; v < 50_000_000L; v = v * 3 / 2 + 7) {
      int i = GapHistogram.index(v);
      assertThat(GapHistogram.upperBound(i))
          .as("value %d, bucket %d", v, i)
          .isGreaterThanOrEqualTo(v);
      assertThat((double) GapHistogram.upperBound(i))
          .as("tight")
          .isLessThanOrEqualTo(Math.max(v * 1.26, v + 1000));
    }
  }

  @Test
  void anEmptyHistogramSaysZero() {
    GapHistogram h = new GapHistogram();
    assertThat(h.percentileNanos(0.99)).isZero();
    assertThat(h.meanNanos()).isZero();
  }
}
