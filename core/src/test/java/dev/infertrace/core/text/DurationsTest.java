package dev.infertrace.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The one duration syntax of every command's options. */
class DurationsTest {
  @Test
  void eachUnitAndFractions() {
    assertThat(Durations.parseNanos("250ms")).isEqualTo(250_000_000L);
    assertThat(Durations.parseNanos(" 1.5s ")).isEqualTo(1_500_000_000L);
    assertThat(Durations.parseNanos("2m")).isEqualTo(120_000_000_000L);
    assertThat(Durations.parseNanos("1h")).isEqualTo(3_600_000_000_000L);
    assertThat(Durations.parseNanos("0.5ms")).isEqualTo(500_000L);
  }

  @Test
  void anythingElseIsAnErrorNamingTheForms() {
    for (String bad : new String[] {"", "10", "1d", "-1s", "1 s", "s", "1.s", "PT1S"}) {
      assertThatThrownBy(() -> Durations.parseNanos(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("'" + bad + "' is not a duration; write it like 250ms, 1s, 1.5s, 2m or 1h");
    }
  }
}
