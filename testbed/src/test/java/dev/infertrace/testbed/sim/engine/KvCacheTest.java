package dev.infertrace.testbed.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KvCacheTest {

  @Test
  void allocatesWholeBlocksAndCountsThemUsed() {
    KvCache kv = new KvCache(10, 16, true);
    Sequence s = EngineTestRequests.sequence(1000, 40, 8);

    assertThat(kv.allocate(s, 40)).isTrue();

    assertThat(s.numBlocks).isEqualTo(3);
    assertThat(kv.usedBlocks()).isEqualTo(3);
    assertThat(kv.usage()).isEqualTo(0.3);
  }

  @Test
  void refusesWithoutTakingAnythingWhenFull() {
    KvCache kv = new KvCache(2, 16, true);
    Sequence s = EngineTestRequests.sequence(1000, 40, 8);

    assertThat(kv.allocate(s, 40)).isFalse();

    assertThat(s.numBlocks).isZero();
    assertThat(kv.usedBlocks()).isZero();
  }

  @Test
  void aSecondRequestWithTheSamePromptReusesItsFullBlocks() {
    KvCache kv = new KvCache(100, 16, true);
    Sequence first = EngineTestRequests.sequence(1000, 50, 8);
    kv.allocate(first, 50);
    first.numComputed = 50;
    kv.registerFullBlocks(first);
    kv.free(first);

    Sequence second = EngineTestRequests.sequence(1000, 50, 8);
    int hit = kv.matchPrefix(second);

    assertThat(hit).as("3 full blocks of 16; the partial 4th is recomputed").isEqualTo(48);
    assertThat(second.numComputed).isEqualTo(48);
    assertThat(second.numBlocks).isEqualTo(3);
  }

  @Test
  void alwaysLeavesOneTokenToComputeEvenOnAFullHit() {
    KvCache kv = new KvCache(100, 16, true);
    Sequence first = EngineTestRequests.sequence(1000, 32, 8);
    kv.allocate(first, 32);
    first.numComputed = 32;
    kv.registerFullBlocks(first);

    Sequence second = EngineTestRequests.sequence(1000, 32, 8);

    assertThat(kv.matchPrefix(second)).isEqualTo(16);
  }

  @Test
  void differentPromptsDoNotHitAndADifferentFirstBlockBreaksTheChain() {
    KvCache kv = new KvCache(100, 16, true);
    Sequence first = EngineTestRequests.sequence(1000, 64, 8);
    kv.allocate(first, 64);
    first.numComputed = 64;
    kv.registerFullBlocks(first);

    Sequence shifted = EngineTestRequests.sequence(1001, 64, 8);

    assertThat(kv.matchPrefix(shifted)).isZero();
  }

  @Test
  void cachedBlocksAreEvictedOnlyWhenTheSpaceIsNeeded() {
    KvCache kv = new KvCache(4, 16, true);
    Sequence cached = EngineTestRequests.sequence(1000, 33, 8);
    kv.allocate(cached, 33);
    cached.numComputed = 33;
    kv.registerFullBlocks(cached);
    kv.free(cached);
    assertThat(kv.usedBlocks()).isZero();

    Sequence other = EngineTestRequests.sequence(5000, 16, 8);
    kv.allocate(other, 16); // takes the never-hashed free block first
    assertThat(kv.matchPrefix(EngineTestRequests.sequence(1000, 33, 8))).isEqualTo(32);

    KvCache full = new KvCache(2, 16, true);
    Sequence a = EngineTestRequests.sequence(1000, 33, 8);
    full.allocate(a, 32);
    a.numComputed = 32;
    full.registerFullBlocks(a);
    full.free(a);
    full.allocate(EngineTestRequests.sequence(7000, 32, 8), 32); // needs both blocks: evicts
    assertThat(full.matchPrefix(EngineTestRequests.sequence(1000, 33, 8))).isZero();
  }

  @Test
  void withheldBlocksCannotBeAllocatedAndCountAsUsed() {
    KvCache kv = new KvCache(10, 16, true);
    kv.setWithheld(9);

    assertThat(kv.usage()).isEqualTo(0.9);
    assertThat(kv.allocate(EngineTestRequests.sequence(1, 17, 8), 17)).isFalse();
    assertThat(kv.allocate(EngineTestRequests.sequence(1, 16, 8), 16)).isTrue();
    assertThat(kv.usedBlocks()).isEqualTo(10);
  }

  @Test
  void prefixCachingOffNeverHits() {
    KvCache kv = new KvCache(100, 16, false);
    Sequence first = EngineTestRequests.sequence(1000, 50, 8);
    kv.allocate(first, 50);
    first.numComputed = 50;
    kv.registerFullBlocks(first);
    kv.free(first);

    assertThat(kv.matchPrefix(EngineTestRequests.sequence(1000, 50, 8))).isZero();
  }

  @Test
  void rejectsAnEmptyCache() {
    assertThatThrownBy(() -> new KvCache(0, 16, true))
        .hasMessage("num blocks and block size must be >= 1, got 0 and 16");
  }
}
