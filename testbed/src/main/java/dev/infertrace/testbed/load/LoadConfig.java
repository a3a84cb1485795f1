package dev.infertrace.testbed.load;

import java.net.URI;
import java.time.Duration;
import javax.annotation.Nullable;

/**
 * A closed-loop load: {@code concurrency} connections, each sending its next request as soon as the
 * previous one ended, until {@code duration} has passed or {@code requests} were sent.
 *
 * @param url the server's base URL; requests go to {@code url + "/v1/chat/completions"}
 * @param model the model to ask for, or null to leave {@code model} out
 * @param promptWords words in each prompt (about 1.2 tokens each)
 * @param sharedPrefixWords of those, how many are the same for every request (prefix caching)
 * @param minTokens smallest {@code max_tokens}; each request draws uniformly in [min, max]
 * @param maxTokens largest {@code max_tokens}
 * @param requests stop after this many requests (0: no limit)
 * @param seed makes prompts and lengths reproducible
 */
public record LoadConfig(
    URI url,
    @Nullable String model,
    int concurrency,
    Duration duration,
    long requests,
    int promptWords,
    int sharedPrefixWords,
    int minTokens,
    int maxTokens,
    boolean stream,
    long seed) {

  public LoadConfig {
    if (concurrency < 1) {
      throw new IllegalArgumentException("--concurrency must be >= 1, got " + concurrency);
    }
    if (minTokens < 1 || maxTokens < minTokens) {
      throw new IllegalArgumentException(
          "--min-tokens must be >= 1 and <= --max-tokens, got " + minTokens + " and " + maxTokens);
    }
    if (promptWords < 1 || sharedPrefixWords < 0 || sharedPrefixWords > promptWords) {
      throw new IllegalArgumentException(
          "--prompt-words must be >= 1 and --shared-prefix-words within [0, prompt words], got "
              + promptWords
              + " and "
              + sharedPrefixWords);
    }
    if (duration.isNegative() || (duration.isZero() && requests <= 0)) {
      throw new IllegalArgumentException("give a positive --duration or --requests");
    }
  }
}
