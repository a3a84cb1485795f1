package dev.infertrace.testbed.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SchedulerTest {
  private final StepPlan plan = new StepPlan();

  /** Runs the plan's compute as the engine would: tokens computed, one sampled when caught up. */
  private static void complete(StepPlan plan, KvCache kv) {
    for (int i = 0; i < plan.sequences.size(); i++) {
      Sequence s = plan.sequences.get(i);
      s.numComputed += plan.tokens[i];
      kv.registerFullBlocks(s);
      if (s.pending() == 0) {
        s.appendOutput(TextGenerator.tokenId(s.seed, s.numOutput));
      }
    }
  }

  @Test
  void longPromptsArePrefilledInChunksOfTheTokenBudget() {
    KvCache kv = new KvCache(1000, 16, true);
    Scheduler scheduler = new Scheduler(8, 2048, kv);
    Sequence s = EngineTestRequests.sequence(100, 5000, 4);
    scheduler.enqueue(s);

    int[] chunks = new int[4];
    for (int step = 0; step < 4; step++) {
      scheduler.schedule(plan, step + 1);
      chunks[step] = plan.tokens[0];
      assertThat(plan.prefillTokens).isEqualTo(step < 3 ? plan.tokens[0] : 0);
      complete(plan, kv);
    }

    assertThat(chunks).containsExactly(2048, 2048, 904, 1);
    assertThat(plan.decodeSequences).isEqualTo(1);
    assertThat(s.scheduledNanos).isEqualTo(1);
  }

  @Test
  void admitsNoMoreThanMaxNumSeqs() {
    Scheduler scheduler = new Scheduler(2, 8192, new KvCache(1000, 16, true));
    for (int i = 0; i < 5; i++) {
      scheduler.enqueue(EngineTestRequests.sequence(i * 1000, 20, 4));
    }

    scheduler.schedule(plan, 1);

    assertThat(plan.sequences).hasSize(2);
    assertThat(scheduler.numRunning()).isEqualTo(2);
    assertThat(scheduler.numWaiting()).isEqualTo(3);
  }

  @Test
  void decodeComesBeforeNewPrefillsInTheBudget() {
    KvCache kv = new KvCache(1000, 16, true);
    Scheduler scheduler = new Scheduler(8, 100, kv);
    Sequence first = EngineTestRequests.sequence(0, 60, 10);
    scheduler.enqueue(first);
    scheduler.schedule(plan, 1);
    complete(plan, kv);
    scheduler.enqueue(EngineTestRequests.sequence(5000, 300, 10));

    scheduler.schedule(plan, 2);

    assertThat(plan.sequences.get(0)).isSameAs(first);
    assertThat(plan.tokens[0]).isEqualTo(1);
    assertThat(plan.tokens[1]).as("the rest of the budget").isEqualTo(99);
    assertThat(plan.decodeSequences).isEqualTo(1);
    assertThat(plan.prefillTokens).isEqualTo(99);
  }

  @Test
  void preemptsTheNewestRunningRequestWhenBlocksRunOut() {
    // 4 blocks of 16: two requests of 31 prompt tokens take 2 blocks each; the second decode
    // (token 33) crosses into a third block and there is none left.
    KvCache kv = new KvCache(4, 16, false);
    Scheduler scheduler = new Scheduler(8, 8192, kv);
    Sequence older = EngineTestRequests.sequence(0, 31, 10);
    Sequence newer = EngineTestRequests.sequence(1000, 31, 10);
    scheduler.enqueue(older);
    scheduler.enqueue(newer);
    scheduler.schedule(plan, 1);
    complete(plan, kv); // both prefilled, one token sampled each: 32 tokens, 2 full blocks
    assertThat(kv.usedBlocks()).isEqualTo(4);
    scheduler.schedule(plan, 2);
    assertThat(plan.preempted).as("token 32 still fits").isEmpty();
    complete(plan, kv);

    scheduler.schedule(plan, 3);

    assertThat(plan.preempted).containsExactly(newer);
    assertThat(plan.sequences).containsExactly(older);
    assertThat(newer.numComputed).isZero();
    assertThat(newer.preemptions).isEqualTo(1);
    assertThat(scheduler.numWaiting()).isEqualTo(1);
    assertThat(newer.length).as("keeps its sampled tokens, recomputes them").isEqualTo(33);
  }

  @Test
  void waitingRequestsStayQueuedWhileTheCacheIsFull() {
    KvCache kv = new KvCache(4, 16, false);
    Scheduler scheduler = new Scheduler(8, 8192, kv);
    scheduler.enqueue(EngineTestRequests.sequence(0, 60, 2));
    scheduler.enqueue(EngineTestRequests.sequence(1000, 20, 2));

    scheduler.schedule(plan, 1);

    assertThat(plan.sequences).hasSize(1);
    assertThat(scheduler.numWaiting()).isEqualTo(1);
  }
}
