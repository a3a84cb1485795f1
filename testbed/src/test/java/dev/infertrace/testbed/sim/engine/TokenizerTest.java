package dev.infertrace.testbed.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerTest {

  @Test
  void splitsWordsIntoPiecesOfAtMostFourCharactersWithTheirLeadingSpace() {
    // "hello" -> "hell" "o"; " world" -> " worl" "d"; "!" alone.
    assertThat(Tokenizer.count("hello world!")).isEqualTo(5);
    assertThat(Tokenizer.count("a b")).isEqualTo(2);
    assertThat(Tokenizer.count("  x")).as("a second space is its own token").isEqualTo(2);
    assertThat(Tokenizer.count("")).isZero();
  }

  @Test
  void isDeterministicAndKeepsIdsOutOfTheSpecialRange() {
    int[] a = Tokenizer.encode("the quick brown fox");
    assertThat(a).isEqualTo(Tokenizer.encode("the quick brown fox"));
    assertThat(java.util.Arrays.stream(a).min().getAsInt())
        .isGreaterThanOrEqualTo(Tokenizer.FIRST_TEXT_ID);
    assertThat(java.util.Arrays.stream(a).max().getAsInt()).isLessThan(Tokenizer.VOCAB_SIZE);
  }

  @Test
  void chatPromptsThatShareTheirFirstMessagesShareATokenPrefix() {
    var system = new PromptEncoder.Message("system", "You are a careful assistant.");
    int[] one = PromptEncoder.chat(List.of(system, new PromptEncoder.Message("user", "hi")));
    int[] two = PromptEncoder.chat(List.of(system, new PromptEncoder.Message("user", "bye")));

    int shared = 0;
    while (one[shared] == two[shared]) {
      shared++;
    }
    assertThat(shared).isGreaterThan(Tokenizer.count("You are a careful assistant."));
  }

  @Test
  void everyGeneratedPieceIsOneTokenSoOutputsRetokenizeToTheirCount() {
    long seed = TextGenerator.seed(Tokenizer.encode("some prompt"));
    StringBuilder text = new StringBuilder();
    for (int k = 0; k < 200; k++) {
      text.append(TextGenerator.piece(seed, k));
    }
    assertThat(Tokenizer.count(text)).isEqualTo(200);
    assertThat(TextGenerator.naturalLength(seed))
        .isBetween(
            TextGenerator.MIN_NATURAL,
            TextGenerator.MIN_NATURAL + TextGenerator.NATURAL_SPREAD - 1);
  }
}
