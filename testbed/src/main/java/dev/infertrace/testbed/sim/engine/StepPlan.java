package dev.infertrace.testbed.sim.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * One engine step as the scheduler planned it: which sequences compute how many tokens. Reused from
 * step to step by the engine thread.
 */
final class StepPlan {
  final List<Sequence> sequences = new ArrayList<>();
  int[] tokens = new int[64];

  /** Tokens of sequences still in prefill (prompt or recomputation after preemption). */
  int prefillTokens;

  /** Sequences computing exactly their last sampled token (decode). */
  int decodeSequences;

  /** Context tokens attended to by the decode sequences (KV reads). */
  long decodeContextTokens;

  /** Sequences preempted while planning this step. */
  final List<Sequence> preempted = new ArrayList<>();

  /** Sequences admitted from the waiting queue this step, with their prefix-cache lookups. */
  final List<Sequence> admitted = new ArrayList<>();

  void clear() {
    sequences.clear();
    preempted.clear();
    admitted.clear();
    prefillTokens = 0;
    decodeSequences = 0;
    decodeContextTokens = 0;
  }

  void add(Sequence s, int n) {
    if (sequences.size() == tokens.length) {
      tokens = java.util.Arrays.copyOf(tokens, tokens.length * 2);
    }
    tokens[sequences.size()] = n;
    sequences.add(s);
  }

  /**
   * Counts prefill and decode work once the plan is complete. A sequence decodes when all it has
   * left to compute is its last sampled token; anything else (a prompt chunk, a recomputation after
   * preemption) is prefill.
   */
  void tally() {
    prefillTokens = 0;
    decodeSequences = 0;
    decodeContextTokens = 0;
    for (int i = 0; i < sequences.size(); i++) {
      Sequence s = sequences.get(i);
      int n = tokens[i];
      if (n == 1 && s.numOutput > 0 && s.pending() == 1) {
        decodeSequences++;
        decodeContextTokens += s.length;
      } else {
        prefillTokens += n;
      }
    }
  }

  boolean isEmpty() {
    return sequences.isEmpty();
  }
}
