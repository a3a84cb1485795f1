package dev.infertrace.testbed.sim.engine;

import java.util.Arrays;

/**
 * One request inside the engine: its tokens (prompt, then output), how many of them are computed,
 * its KV blocks and its timeline. Owned by the engine thread; never shared.
 */
final class Sequence {
  enum Status {
    WAITING,
    RUNNING,
    FINISHED
  }

  final EngineRequest request;
  final long seed;
  final int promptLength;
  final int maxOutput;
  final int naturalLength;

  int[] tokens;
  int length;
  int numComputed;
  int numOutput;
  int cachedTokens = -1;
  int preemptions;
  Status status = Status.WAITING;

  int[] blocks = new int[8];
  int numBlocks;

  /** How many of {@link #blocks} are full and registered in the prefix cache. */
  int numHashedBlocks;

  /** Chain hash of the last registered block. */
  long lastBlockHash;

  long queuedNanos;
  long scheduledNanos;
  long firstTokenNanos;
  long lastTokenNanos;

  Sequence(EngineRequest request) {
    this.request = request;
    int[] prompt = request.promptTokens();
    this.promptLength = prompt.length;
    this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(request.maxTokens(), 1024));
    this.length = prompt.length;
    this.seed = TextGenerator.seed(prompt);
    this.maxOutput = request.maxTokens();
    this.naturalLength =
        request.ignoreEos()
            ? Integer.MAX_VALUE
            : Math.max(request.minTokens(), TextGenerator.naturalLength(seed));
  }

  /** Tokens still to compute before the next token can be sampled. */
  int pending() {
    return length - numComputed;
  }

  void appendOutput(int tokenId) {
    if (length == tokens.length) {
      tokens = Arrays.copyOf(tokens, tokens.length * 2);
    }
    tokens[length++] = tokenId;
    numOutput++;
  }

  void addBlock(int block) {
    if (numBlocks == blocks.length) {
      blocks = Arrays.copyOf(blocks, blocks.length * 2);
    }
    blocks[numBlocks++] = block;
  }

  /** The finish reason once the last sampled token ends the request, or null to go on. */
  String finishReason() {
    if (numOutput >= naturalLength) {
      return "stop";
    }
    return numOutput >= maxOutput ? "length" : null;
  }
}
