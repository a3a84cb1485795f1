package dev.infertrace.testbed.sim.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Plans each step as vLLM V1's scheduler does: one token budget per step ({@code
 * maxNumBatchedTokens}) spent first on the running requests (decode, or the next chunk of a chunked
 * prefill), then on waiting requests in arrival order while there is budget, a free running slot
 * ({@code maxNumSeqs}) and KV space. When a running request cannot get a block, the most recently
 * admitted running request is preempted: its blocks are freed and it goes back to the front of the
 * queue to be recomputed (its prefix is usually still cached).
 *
 * <p>Owned by the engine thread; not thread-safe.
 */
final class Scheduler {
  private final int maxNumSeqs;
  private final int maxNumBatchedTokens;
  private final KvCache kv;
  private final Deque<Sequence> waiting = new ArrayDeque<>();
  private final List<Sequence> running = new ArrayList<>();

  Scheduler(int maxNumSeqs, int maxNumBatchedTokens, KvCache kv) {
    this.maxNumSeqs = maxNumSeqs;
    this.maxNumBatchedTokens = maxNumBatchedTokens;
    this.kv = kv;
  }

  void enqueue(Sequence s) {
    s.status = Sequence.Status.WAITING;
    waiting.addLast(s);
  }

  int numWaiting() {
    return waiting.size();
  }

  int numRunning() {
    return running.size();
  }

  KvCache kv() {
    return kv;
  }

  /** Removes {@code s} wherever it is and frees its blocks. */
  void remove(Sequence s) {
    if (!waiting.remove(s)) {
      running.remove(s);
    }
    kv.free(s);
    s.status = Sequence.Status.FINISHED;
  }

  /** Fills {@code plan} for the next step. {@code now} stamps first scheduling. */
  void schedule(StepPlan plan, long now) {
    plan.clear();
    int budget = maxNumBatchedTokens;
    for (int i = 0; i < running.size() && budget > 0; i++) {
      Sequence s = running.get(i);
      int n = Math.min(s.pending(), budget);
      while (!kv.allocate(s, s.numComputed + n)) {
        Sequence victim = running.remove(running.size() - 1);
        // Victims come from the end of the batch, which this loop has not planned yet.
        preempt(victim, plan);
        if (victim == s) {
          n = 0;
          break;
        }
      }
      if (n > 0) {
        plan.add(s, n);
        budget -= n;
      }
    }
    if (!plan.preempted.isEmpty()) {
      plan.tally();
      return; // as in V1: no new admissions in a step that had to preempt
    }
    while (!waiting.isEmpty() && running.size() < maxNumSeqs && budget > 0) {
      Sequence s = waiting.peekFirst();
      boolean firstLookup = s.cachedTokens < 0;
      int hit = kv.matchPrefix(s);
      int n = Math.min(s.pending(), budget);
      if (!kv.allocate(s, s.numComputed + n)) {
        kv.free(s);
        s.numComputed = 0;
        break;
      }
      waiting.pollFirst();
      if (firstLookup) {
        s.cachedTokens = hit;
        plan.admitted.add(s);
      }
      if (s.scheduledNanos == 0) {
        s.scheduledNanos = now;
      }
      s.status = Sequence.Status.RUNNING;
      running.add(s);
      plan.add(s, n);
      budget -= n;
    }
    plan.tally();
  }

  /** Removes a finished sequence from the running batch and frees its blocks. */
  void finish(Sequence s) {
    running.remove(s);
    kv.free(s);
    s.status = Sequence.Status.FINISHED;
  }

  private void preempt(Sequence s, StepPlan plan) {
    kv.free(s);
    s.numComputed = 0;
    s.preemptions++;
    s.status = Sequence.Status.WAITING;
    waiting.addFirst(s);
    plan.preempted.add(s);
  }
}
