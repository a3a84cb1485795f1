package dev.infertrace.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Request bodies of a benchmark, the same for the same seed and request number: a prompt from the
 * dataset (in turn) or of {@code inputTokens} generated words, and a {@code max_tokens} from the
 * dataset entry or the {@code outputTokens} distribution. Thread-safe.
 */
final class Prompts {
  private static final String[] WORDS = {
    "cluster", "pod", "latency", "token", "prefill", "decode", "queue", "cache", "gpu", "memory",
    "routing", "batch", "trace", "span", "model", "request", "stream", "budget", "window", "node"
  };
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BenchConfig config;
  private final String[] sharedPrefix;

  Prompts(BenchConfig config) {
    this.config = config;
    SplittableRandom fixed = new SplittableRandom(config.seed());
    this.sharedPrefix = new String[config.sharedPrefixTokens()];
    for (int i = 0; i < sharedPrefix.length; i++) {
      sharedPrefix[i] = WORDS[fixed.nextInt(WORDS.length)];
    }
  }

  /** The JSON body of request number {@code n}. */
  byte[] body(long n) {
    SplittableRandom random = new SplittableRandom(config.seed() * 1_000_003L + n);
    String prompt;
    int maxTokens = 0;
    List<Dataset.Entry> dataset = config.dataset();
    if (dataset != null) {
      Dataset.Entry e = dataset.get((int) (n % dataset.size()));
      prompt = e.prompt();
      maxTokens = e.outputTokens();
    } else {
      int words = config.inputTokens().draw(random);
      StringBuilder p = new StringBuilder(words * 7);
      for (int i = 0; i < words; i++) {
        String word =
            i < sharedPrefix.length ? sharedPrefix[i] : WORDS[random.nextInt(WORDS.length)];
        p.append(i == 0 ? "" : " ").append(word);
      }
      prompt = p.toString();
    }
    if (maxTokens <= 0) {
      maxTokens = config.outputTokens().draw(random);
    }
    ObjectNode body = JSON.createObjectNode();
    if (config.model() != null) {
      body.put("model", config.model());
    }
    if (config.api() == BenchConfig.Api.CHAT) {
      body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    } else {
      body.put("prompt", prompt);
    }
    body.put("max_tokens", maxTokens);
    if (config.ignoreEos()) {
      body.put("ignore_eos", true);
    }
    if (config.stream()) {
      body.put("stream", true);
      body.putObject("stream_options").put("include_usage", true);
    }
    try {
      return JSON.writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
