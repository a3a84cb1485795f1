package dev.infertrace.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LengthsAndDatasetTest {

  @Test
  void lengthsParseEveryFormAndDrawWithinThem() {
    SplittableRandom r = new SplittableRandom(1);
    assertThat(Lengths.parse("--x", "128").draw(r)).isEqualTo(128);
    assertThat(Lengths.parse("--x", "fixed:7").draw(r)).isEqualTo(7);
    Lengths uniform = Lengths.parse("--x", "uniform:32,40");
    assertThat(IntStream.range(0, 1000).map(i -> uniform.draw(r)).distinct().sorted().toArray())
        .containsExactly(32, 33, 34, 35, 36, 37, 38, 39, 40);
    Lengths normal = Lengths.parse("--x", "normal:100,10");
    double mean = IntStream.range(0, 5000).map(i -> normal.draw(r)).average().orElseThrow();
    assertThat(mean).isBetween(99.0, 101.0);
    assertThat(Lengths.parse("--x", "normal:2,50").draw(r)).isPositive();
    assertThat(normal.toString()).isEqualTo("normal:100,10");
  }

  @Test
  void badLengthsNameTheFlagAndTheForms() {
    assertThatThrownBy(() -> Lengths.parse("--output-tokens", "uniform:9,3"))
        .hasMessage(
            "--output-tokens: expected N, fixed:N, uniform:MIN,MAX or normal:MEAN,STDDEV (N >= 1),"
                + " got 'uniform:9,3'");
    assertThatThrownBy(() -> Lengths.parse("--input-tokens", "zipf:1"))
        .hasMessageContaining("--input-tokens");
    assertThatThrownBy(() -> Lengths.parse("--input-tokens", "0")).hasMessageContaining("'0'");
  }

  @Test
  void aShareGptFileGivesTheFirstHumanTurnAndTheReplyLength(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("d.jsonl");
    Files.writeString(
        file,
        """
        {"id":"a","conversations":[{"from":"human","value":"hello there"},{"from":"gpt","value":"one two three"}]}

        {"prompt":"plain prompt","output_tokens":9}
        {"conversations":[{"from":"system","value":"x"},{"from":"human","value":"last"}]}
        {"conversations":[{"from":"gpt","value":"no human"}]}
        """);

    assertThat(Dataset.read(file))
        .containsExactly(
            new Dataset.Entry("hello there", 3),
            new Dataset.Entry("plain prompt", 9),
            new Dataset.Entry("last", 0));
  }

  @Test
  void aBadDatasetLineIsNamed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("d.jsonl");
    Files.writeString(file, "{\"prompt\":\"ok\"}\n{\"text\":1}\n");
    assertThatThrownBy(() -> Dataset.read(file))
        .hasMessage("--dataset " + file + " line 2: expected \"conversations\" or \"prompt\"");
  }

  @Test
  void sloParsesAndJudges() {
    Slo slo = Slo.parse("ttft=200ms,tpot=50ms");
    RequestRecord fast =
        new RequestRecord(
            0,
            0,
            "measured",
            "t",
            0,
            1,
            100.0,
            40.0,
            1,
            java.util.List.of(),
            1,
            2,
            true,
            200,
            null,
            null);
    RequestRecord slowTpot =
        new RequestRecord(
            0,
            0,
            "measured",
            "t",
            0,
            1,
            100.0,
            60.0,
            1,
            java.util.List.of(),
            1,
            2,
            true,
            200,
            null,
            null);
    assertThat(slo.met(fast)).isTrue();
    assertThat(slo.met(slowTpot)).isFalse();
    assertThatThrownBy(() -> Slo.parse("e2e=1s")).hasMessageContaining("unknown objective 'e2e'");
  }

  @Test
  void percentilesInterpolateLikeNumpy() {
    Distribution d = Distribution.of(java.util.List.of(1.0, 2.0, 3.0, 4.0));
    // numpy.percentile([1,2,3,4], [50, 90, 99]) = 2.5, 3.7, 3.97
    assertThat(d.p50()).isEqualTo(2.5);
    assertThat(d.p90()).isCloseTo(3.7, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(d.p99()).isCloseTo(3.97, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(d.mean()).isEqualTo(2.5);
    assertThat(Distribution.of(java.util.List.of())).isEqualTo(Distribution.EMPTY);
  }
}
