package dev.infertrace.testbed.sim.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * The KV cache in blocks of {@code blockSize} tokens, with automatic prefix caching as vLLM V1 does
 * it: a full block is registered under a hash chained over every token up to its end; a new request
 * reuses the longest chain of registered blocks that matches its prompt; freed blocks keep their
 * contents and are evicted least-recently-freed first, so a prefix stays cached until the space is
 * needed.
 *
 * <p>Blocks withheld by a {@code kv-pressure} fault cannot be allocated and count as in use. Owned
 * by the engine thread; not thread-safe.
 */
final class KvCache {
  private static final int NONE = -1;

  private final int numBlocks;
  private final int blockSize;
  private final boolean prefixCaching;
  private final int[] refCount;
  private final long[] blockHash;
  private final boolean[] hashed;
  private final Map<Long, Integer> cached = new HashMap<>();

  // Free blocks (refCount 0) as a doubly linked list over block ids: allocation takes the head.
  private final int[] prev;
  private final int[] next;
  private int head = NONE;
  private int tail = NONE;
  private int freeCount;
  private int withheld;

  KvCache(int numBlocks, int blockSize, boolean prefixCaching) {
    if (numBlocks < 1 || blockSize < 1) {
      throw new IllegalArgumentException(
          "num blocks and block size must be >= 1, got " + numBlocks + " and " + blockSize);
    }
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.prefixCaching = prefixCaching;
    refCount = new int[numBlocks];
    blockHash = new long[numBlocks];
    hashed = new boolean[numBlocks];
    prev = new int[numBlocks];
    next = new int[numBlocks];
    for (int b = 0; b < numBlocks; b++) {
      appendFree(b);
    }
  }

  int numBlocks() {
    return numBlocks;
  }

  int blockSize() {
    return blockSize;
  }

  /** Blocks held by requests, plus those withheld by a fault. */
  int usedBlocks() {
    return numBlocks - freeCount + Math.min(withheld, freeCount);
  }

  /** {@link #usedBlocks()} over all blocks: what {@code vllm:kv_cache_usage_perc} reports. */
  double usage() {
    return (double) usedBlocks() / numBlocks;
  }

  /** Withholds {@code blocks} free blocks from allocation (a {@code kv-pressure} fault). */
  void setWithheld(int blocks) {
    withheld = Math.max(0, Math.min(blocks, numBlocks));
  }

  /**
   * Attaches the longest cached prefix of {@code s}'s tokens to {@code s} (which must hold no
   * blocks) and marks those tokens computed. At least one token is always left to compute, so the
   * request still produces its first token. Returns the number of tokens found.
   */
  int matchPrefix(Sequence s) {
    if (!prefixCaching || s.numBlocks != 0) {
      return 0;
    }
    int maxBlocks = (s.length - 1) / blockSize;
    long h = 0;
    int matched = 0;
    while (matched < maxBlocks) {
      h = chain(h, s.tokens, matched * blockSize);
      Integer block = cached.get(h);
      if (block == null) {
        break;
      }
      if (refCount[block]++ == 0) {
        unlinkFree(block);
      }
      s.addBlock(block);
      s.lastBlockHash = h;
      matched++;
    }
    s.numHashedBlocks = matched;
    s.numComputed = matched * blockSize;
    return s.numComputed;
  }

  /** Gives {@code s} enough blocks for {@code totalTokens}; false (and nothing taken) if full. */
  boolean allocate(Sequence s, int totalTokens) {
    int need = (totalTokens + blockSize - 1) / blockSize - s.numBlocks;
    if (need <= 0) {
      return true;
    }
    if (freeCount - withheld < need) {
      return false;
    }
    for (int i = 0; i < need; i++) {
      int block = head;
      unlinkFree(block);
      if (hashed[block]) {
        cached.remove(blockHash[block], block);
        hashed[block] = false;
      }
      refCount[block] = 1;
      s.addBlock(block);
    }
    return true;
  }

  /** Registers the blocks of {@code s} that its computed tokens have filled. */
  void registerFullBlocks(Sequence s) {
    if (!prefixCaching) {
      return;
    }
    while ((s.numHashedBlocks + 1) * blockSize <= s.numComputed) {
      long h = chain(s.lastBlockHash, s.tokens, s.numHashedBlocks * blockSize);
      int block = s.blocks[s.numHashedBlocks];
      if (!hashed[block] && !cached.containsKey(h)) {
        cached.put(h, block);
        blockHash[block] = h;
        hashed[block] = true;
      }
      s.lastBlockHash = h;
      s.numHashedBlocks++;
    }
  }

  /** Returns the blocks of {@code s}; cached ones stay findable until they are reused. */
  void free(Sequence s) {
    // Last blocks first, so that a prefix outlives its tail (vLLM frees in reverse order too).
    for (int i = s.numBlocks - 1; i >= 0; i--) {
      int block = s.blocks[i];
      if (--refCount[block] == 0) {
        if (hashed[block]) {
          appendFree(block);
        } else {
          prependFree(block);
        }
      }
    }
    s.numBlocks = 0;
    s.numHashedBlocks = 0;
    s.lastBlockHash = 0;
  }

  private long chain(long parent, int[] tokens, int from) {
    long h = parent * 0x9e3779b97f4a7c15L + 0x632be59bd9b4e019L;
    for (int i = from; i < from + blockSize; i++) {
      h ^= tokens[i];
      h *= 0x100000001b3L;
      h ^= h >>> 29;
    }
    return h;
  }

  private void appendFree(int block) {
    prev[block] = tail;
    next[block] = NONE;
    if (tail == NONE) {
      head = block;
    } else {
      next[tail] = block;
    }
    tail = block;
    freeCount++;
  }

  private void prependFree(int block) {
    prev[block] = NONE;
    next[block] = head;
    if (head == NONE) {
      tail = block;
    } else {
      prev[head] = block;
    }
    head = block;
    freeCount++;
  }

  private void unlinkFree(int block) {
    int p = prev[block];
    int n = next[block];
    if (p == NONE) {
      head = n;
    } else {
      next[p] = n;
    }
    if (n == NONE) {
      tail = p;
    } else {
      prev[n] = p;
    }
    freeCount--;
  }
}
