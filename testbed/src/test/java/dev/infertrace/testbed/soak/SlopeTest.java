package dev.infertrace.testbed.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlopeTest {
  @Test
  void theLeastSquaresSlopeIsPerHour() {
    List<Slope.Point> points = new ArrayList<>();
    for (int s = 0; s <= 600; s += 5) {
      // 1 MB per minute, with a sawtooth the fit must see through
      points.add(new Slope.Point(s, 1e6 * s / 60 + (s % 30 == 0 ? 5e5 : -5e5)));
    }

    assertThat(Slope.perHour(points)).isCloseTo(60e6, within(2e6));
  }

  @Test
  void aFlatSeriesHasNoSlopeAndTooFewPointsHaveNone() {
    assertThat(Slope.perHour(List.of(new Slope.Point(0, 7), new Slope.Point(10, 7)))).isZero();
    assertThat(Slope.perHour(List.of(new Slope.Point(3, 7)))).isZero();
    assertThat(Slope.perHour(List.of())).isZero();
  }

  @Test
  void theSecondHalfStartsHalfwayThroughTheRun() {
    List<Slope.Point> points =
        List.of(
            new Slope.Point(0, 100),
            new Slope.Point(40, 200),
            new Slope.Point(50, 300),
            new Slope.Point(90, 300));

    assertThat(Slope.secondHalf(points, 100))
        .extracting(Slope.Point::seconds)
        .containsExactly(50.0, 90.0);
    assertThat(Slope.perHour(Slope.secondHalf(points, 100))).isZero();
  }
}
