package dev.infertrace.testbed.epp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.state.EngineSample;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScorerTest {
  private final Endpoint a = new Endpoint("a", "10.0.0.1", 8000);
  private final Endpoint b = new Endpoint("b", "10.0.0.2", 8000);

  @Test
  void theLessQueuedEndpointWinsWithMinMaxNormalisation() {
    Scorer scorer = new Scorer(1, 0, 0);
    var scored =
        scorer.score(
            List.of(a, b),
            Map.of(a, new EngineSample(8, 4, 0.5), b, new EngineSample(2, 4, 0.5)),
            null);

    assertThat(scored.get(0).queue()).isEqualTo(0.0);
    assertThat(scored.get(1).queue()).isEqualTo(1.0);
    assertThat(scorer.pick(scored, null).endpoint()).isEqualTo(b);
  }

  @Test
  void kvScoreIsOneMinusUsageAndEqualQueuesScoreAlike() {
    Scorer scorer = new Scorer(1, 1, 0);
    var scored =
        scorer.score(
            List.of(a, b),
            Map.of(a, new EngineSample(3, 1, 0.9), b, new EngineSample(3, 1, 0.2)),
            null);

    assertThat(scored.get(0).kv()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(scored.get(1).queue()).isEqualTo(1.0);
    assertThat(scorer.pick(scored, null).endpoint()).isEqualTo(b);
  }

  @Test
  void aSharedPromptPrefixPullsTowardsWhereItWentBefore() {
    Scorer scorer = new Scorer(0, 0, 1);
    Map<Endpoint, EngineSample> idle =
        Map.of(a, new EngineSample(0, 0, 0), b, new EngineSample(0, 0, 0));
    String system = "You are a careful assistant. ".repeat(20);
    scorer.pick(
        List.of(new Scorer.Scored(b, 0, 0, 0, 1), new Scorer.Scored(a, 0, 0, 0, 0)),
        system + "first");

    var scored = scorer.score(List.of(a, b), idle, system + "second question");

    assertThat(scored.get(1).prefix()).isGreaterThan(0.8);
    assertThat(scored.get(0).prefix()).isZero();
    assertThat(scorer.pick(scored, system + "second question").endpoint()).isEqualTo(b);
  }

  @Test
  void tiesAreBrokenAtRandomAndUnknownStateScoresZero() {
    Scorer scorer = new Scorer(1, 1, 0);
    var scored = scorer.score(List.of(a, b), Map.of(), "hi");

    assertThat(scored).allSatisfy(s -> assertThat(s.total()).isZero());
    java.util.Set<Endpoint> picked = new java.util.HashSet<>();
    for (int i = 0; i < 50; i++) {
      picked.add(scorer.pick(scored, "hi").endpoint());
    }
    assertThat(picked).as("an idle pool spreads over both").containsExactlyInAnyOrder(a, b);
  }

  @Test
  void thePrefixScorerHashesThePromptNotTheJsonAroundIt() {
    String one = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"alpha\"}]}";
    String two = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"beta\"}]}";
    assertThat(dev.infertrace.testbed.epp.RefEpp.promptText(one.getBytes()))
        .isEqualTo("user: alpha\n");
    assertThat(dev.infertrace.testbed.epp.RefEpp.promptText(two.getBytes()))
        .isEqualTo("user: beta\n");
    assertThat(dev.infertrace.testbed.epp.RefEpp.promptText("{\"prompt\":\"p\"}".getBytes()))
        .isEqualTo("p");
    assertThat(dev.infertrace.testbed.epp.RefEpp.promptText("not json".getBytes())).isNull();
  }
}
