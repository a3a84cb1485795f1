package dev.infertrace.testbed.load;

import java.util.SplittableRandom;

/**
 * Chat request bodies for a load: a prompt of {@code promptWords} words whose first {@code
 * sharedPrefixWords} are the same in every request (a shared system prompt, for prefix caching) and
 * whose rest differ, and a {@code max_tokens} drawn in [min, max]. {@code ignore_eos} makes the
 * twin generate exactly {@code max_tokens}. One instance per event loop; not thread-safe.
 */
final class RequestBodies {
  private static final String[] WORDS = {
    "cluster", "pod", "latency", "token", "prefill", "decode", "queue", "cache", "gpu", "memory",
    "routing", "batch", "trace", "span", "model", "request", "stream", "budget", "window", "node"
  };

  private final LoadConfig config;
  private final SplittableRandom random;
  private final String sharedPrefix;

  RequestBodies(LoadConfig config, long stream) {
    this.config = config;
    this.random = new SplittableRandom(config.seed() * 31 + stream);
    StringBuilder prefix = new StringBuilder();
    SplittableRandom fixed = new SplittableRandom(config.seed());
    for (int i = 0; i < config.sharedPrefixWords(); i++) {
      prefix.append(WORDS[fixed.nextInt(WORDS.length)]).append(' ');
    }
    this.sharedPrefix = prefix.toString();
  }

  String next() {
    StringBuilder prompt = new StringBuilder(sharedPrefix);
    for (int i = config.sharedPrefixWords(); i < config.promptWords(); i++) {
      prompt.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
    }
    int maxTokens =
        config.minTokens() + random.nextInt(config.maxTokens() - config.minTokens() + 1);
    StringBuilder body = new StringBuilder(prompt.length() + 200).append('{');
    if (config.model() != null) {
      body.append("\"model\":\"").append(config.model().replace("\"", "\\\"")).append("\",");
    }
    body.append("\"messages\":[{\"role\":\"user\",\"content\":\"")
        .append(prompt)
        .append("\"}],\"max_tokens\":")
        .append(maxTokens)
        .append(",\"ignore_eos\":true");
    if (config.stream()) {
      body.append(",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
    }
    return body.append('}').toString();
  }
}
