package dev.infertrace.core.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TimelineTest {

  @Test
  void answersTheStateAtAnInstantAndOverAWindowIncludingTheOneInForce() {
    Timeline<Double> t = new Timeline<>(4);
    t.add(10, 1.0);
    t.add(20, 5.0);
    t.add(30, 3.0);

    assertThat(t.at(25).value()).isEqualTo(5.0);
    assertThat(t.at(5)).isNull();
    Timeline.Stats s = t.over(25, 35, v -> v);
    assertThat(s.samples()).as("30, and 20 in force at 25").isEqualTo(2);
    assertThat(s.min()).isEqualTo(3.0);
    assertThat(s.max()).isEqualTo(5.0);
    assertThat(s.avg()).isEqualTo(4.0);
    assertThat(t.over(0, 5, v -> v)).isNull();
  }

  @Test
  void keepsOnlyTheNewestSamples() {
    Timeline<Double> t = new Timeline<>(2);
    t.add(1, 1.0);
    t.add(2, 2.0);
    t.add(3, 3.0);

    assertThat(t.at(1)).as("evicted").isNull();
    assertThat(t.over(0, 10, v -> v).samples()).isEqualTo(2);
  }

  @Test
  void aWindowIsItsSamplesAndTheOneInForceAtItsStartOldestFirst() {
    Timeline<Double> t = new Timeline<>(8);
    t.add(10, 1.0);
    t.add(20, 2.0);
    t.add(30, 3.0);
    t.add(40, 4.0);

    assertThat(t.window(25, 35)).extracting(Timeline.Sample::value).containsExactly(2.0, 3.0);
    assertThat(t.window(20, 40)).extracting(Timeline.Sample::value).containsExactly(2.0, 3.0, 4.0);
    assertThat(t.window(0, 5)).isEmpty();
  }

  @Test
  void aRunStartsAtTheOldestSampleOfTheNewestUnbrokenRun() {
    Timeline<Double> t = new Timeline<>(8);
    t.add(10, 43.0); // an older run of the same value, broken by 0 below
    t.add(20, 0.0);
    t.add(30, 43.0);
    t.add(40, 43.0);
    t.add(50, 0.0);

    assertThat(t.runStart(45, v -> v == 43.0)).isEqualTo(30);
    assertThat(t.runStart(60, v -> v == 43.0)).as("the newest run before 60").isEqualTo(30);
    assertThat(t.runStart(15, v -> v == 43.0)).isEqualTo(10);
    assertThat(t.runStart(60, v -> v == 79.0)).isEqualTo(-1);
  }
}
