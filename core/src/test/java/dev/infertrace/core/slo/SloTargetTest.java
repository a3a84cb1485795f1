package dev.infertrace.core.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SloTargetTest {

  @Test
  void metWhenEveryObjectiveIsMet() {
    SloTarget t = new SloTarget(0.5, 0.05);

    assertThat(t.met(0.4, 0.04)).isTrue();
    assertThat(t.met(0.6, 0.04)).isFalse();
    assertThat(t.met(0.4, 0.06)).isFalse();
    assertThat(t.met(Double.NaN, Double.NaN)).as("no first token").isFalse();
    assertThat(new SloTarget(null, 0.05).met(9, Double.NaN)).as("one token: no TPOT").isTrue();
    assertThat(SloTarget.NONE.met(1, 1)).isNull();
  }

  @Test
  void headersWinOverTheModelWhichWinsOverTheDefault() {
    Map<String, SloTarget> byModel =
        Map.of("m", new SloTarget(0.2, 0.02), "*", new SloTarget(1.0, null));

    assertThat(SloTarget.resolve(byModel, "m", null, null)).isEqualTo(new SloTarget(0.2, 0.02));
    assertThat(SloTarget.resolve(byModel, "other", null, null)).isEqualTo(new SloTarget(1.0, null));
    assertThat(SloTarget.resolve(byModel, "m", "300", "bad")).isEqualTo(new SloTarget(0.3, 0.02));
    assertThat(SloTarget.resolve(Map.of(), null, null, null).isEmpty()).isTrue();
  }

  @Test
  void parsesSpecsAndRejectsBadOnesClearly() {
    assertThat(SloTarget.parse("llama=ttft:500ms,tpot:50ms"))
        .isEqualTo(Map.entry("llama", new SloTarget(0.5, 0.05)));
    assertThat(SloTarget.parse("*=ttft:1.5s")).isEqualTo(Map.entry("*", new SloTarget(1.5, null)));
    assertThatThrownBy(() -> SloTarget.parse("ttft:1s"))
        .hasMessage("expected MODEL=ttft:500ms,tpot:50ms (MODEL may be *), got 'ttft:1s'");
    assertThatThrownBy(() -> SloTarget.parse("m=p99:1s"))
        .hasMessage("unknown objective 'p99'; use ttft or tpot");
    assertThatThrownBy(() -> SloTarget.parse("m=ttft:soon"))
        .hasMessage("'soon' is not a duration; write 500ms or 1.5s");
  }

  /** A value class with a record's equals, hashCode and toString (core is Java 8 source). */
  @Test
  void equalsHashCodeAndToStringAreARecords() {
    SloTarget a = new SloTarget(0.5, null);
    assertThat(a).isEqualTo(new SloTarget(0.5, null)).isNotEqualTo(new SloTarget(0.5, 0.05));
    assertThat(a.hashCode()).isEqualTo(new SloTarget(0.5, null).hashCode());
    assertThat(a).hasToString("SloTarget[ttftSeconds=0.5, tpotSeconds=null]");
  }
}
