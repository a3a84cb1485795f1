package dev.infertrace.testbed.epp;

import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.state.EngineSample;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * The reference EPP's scoring, after llm-d's scorers: queue (fewer waiting requests is better,
 * min-max normalised over the candidates), KV cache (1 − usage) and approximate prefix cache (the
 * share of the prompt's leading blocks last routed to that endpoint), weighted and summed; the
 * max-score endpoint wins (ties: the first). Thread-safe.
 */
public final class Scorer {
  /** Characters per prefix block: prompts are hashed in blocks of this size. */
  static final int BLOCK_CHARS = 64;

  private static final int REMEMBERED_BLOCKS = 50_000;

  private final double queueWeight;
  private final double kvWeight;
  private final double prefixWeight;
  private final Map<String, Set<Long>> blocksByEndpoint = new HashMap<>();
  private final Deque<Map.Entry<String, Long>> order = new ArrayDeque<>();

  private final java.util.Random ties = new java.util.Random(42);

  public Scorer(double queueWeight, double kvWeight, double prefixWeight) {
    this.queueWeight = queueWeight;
    this.kvWeight = kvWeight;
    this.prefixWeight = prefixWeight;
  }

  /** One candidate's scores. */
  public record Scored(Endpoint endpoint, double queue, double kv, double prefix, double total) {}

  /**
   * Scores every candidate. A candidate without a state sample scores 0 on queue and KV.
   *
   * @param prompt the prompt text for prefix affinity, or null
   */
  public synchronized List<Scored> score(
      List<Endpoint> candidates, Map<Endpoint, EngineSample> state, @Nullable String prompt) {
    double minQ = Double.MAX_VALUE;
    double maxQ = -Double.MAX_VALUE;
    for (Endpoint e : candidates) {
      EngineSample s = state.get(e);
      if (s != null && !Double.isNaN(s.waiting())) {
        minQ = Math.min(minQ, s.waiting());
        maxQ = Math.max(maxQ, s.waiting());
      }
    }
    long[] blocks = blocks(prompt);
    List<Scored> out = new java.util.ArrayList<>(candidates.size());
    for (Endpoint e : candidates) {
      EngineSample s = state.get(e);
      double queue = 0;
      double kv = 0;
      if (s != null) {
        if (!Double.isNaN(s.waiting())) {
          queue = maxQ <= minQ ? 1 : (maxQ - s.waiting()) / (maxQ - minQ);
        }
        kv = Double.isNaN(s.kvCacheUsage()) ? 0 : 1 - s.kvCacheUsage();
      }
      double prefix = prefixShare(e, blocks);
      out.add(
          new Scored(
              e, queue, kv, prefix, queueWeight * queue + kvWeight * kv + prefixWeight * prefix));
    }
    return out;
  }

  /**
   * The max-score candidate, remembered for prefix affinity. Ties are broken at random, as llm-d's
   * max-score-picker does (the first of equals would send all of an idle pool's work to one pod).
   */
  public synchronized Scored pick(List<Scored> scored, @Nullable String prompt) {
    double max = scored.stream().mapToDouble(Scored::total).max().orElseThrow();
    List<Scored> best = scored.stream().filter(s -> s.total() >= max - 1e-9).toList();
    Scored chosen = best.get(ties.nextInt(best.size()));
    remember(chosen.endpoint(), blocks(prompt));
    return chosen;
  }

  private double prefixShare(Endpoint e, long[] blocks) {
    if (blocks.length == 0) {
      return 0;
    }
    Set<Long> known = blocksByEndpoint.getOrDefault(e.hostPort(), Set.of());
    int hits = 0;
    while (hits < blocks.length && known.contains(blocks[hits])) {
      hits++;
    }
    return (double) hits / blocks.length;
  }

  private void remember(Endpoint e, long[] blocks) {
    Set<Long> known = blocksByEndpoint.computeIfAbsent(e.hostPort(), k -> new HashSet<>());
    for (long b : blocks) {
      if (known.add(b)) {
        order.addLast(Map.entry(e.hostPort(), b));
      }
    }
    while (order.size() > REMEMBERED_BLOCKS) {
      var old = order.pollFirst();
      blocksByEndpoint.get(old.getKey()).remove(old.getValue());
    }
  }

  /** Chained hashes of the prompt's full blocks: equal prefixes give equal leading hashes. */
  static long[] blocks(@Nullable String prompt) {
    if (prompt == null) {
      return new long[0];
    }
    int n = prompt.length() / BLOCK_CHARS;
    long[] out = new long[n];
    long h = 0xcbf29ce484222325L;
    for (int b = 0; b < n; b++) {
      for (int i = b * BLOCK_CHARS; i < (b + 1) * BLOCK_CHARS; i++) {
        h ^= prompt.charAt(i);
        h *= 0x100000001b3L;
      }
      out[b] = h;
    }
    return out;
  }
}
