package dev.infertrace.testbed.sim.engine;

/**
 * The engine's shape, named after the vLLM flags it mirrors.
 *
 * @param maxNumSeqs most requests in one batch ({@code --max-num-seqs}, vLLM default 256)
 * @param maxNumBatchedTokens token budget of one step ({@code --max-num-batched-tokens}); prompts
 *     longer than this are prefilled in chunks
 * @param blockSize tokens per KV block ({@code --block-size}, default 16)
 * @param numGpuBlocks KV blocks in the cache ({@code --num-gpu-blocks-override})
 * @param maxModelLen most tokens (prompt + output) of one request ({@code --max-model-len})
 * @param prefixCaching automatic prefix caching ({@code --enable-prefix-caching}, on by default)
 * @param maxWaiting requests allowed in the waiting queue before new ones get 503 (vLLM has no such
 *     limit; the twin's admission control, as llm-d-inference-sim has)
 * @param stepTime how long a step takes
 */
public record EngineConfig(
    int maxNumSeqs,
    int maxNumBatchedTokens,
    int blockSize,
    int numGpuBlocks,
    int maxModelLen,
    boolean prefixCaching,
    int maxWaiting,
    StepTimeModel stepTime) {

  public EngineConfig {
    positive("max-num-seqs", maxNumSeqs);
    positive("max-num-batched-tokens", maxNumBatchedTokens);
    positive("block-size", blockSize);
    positive("num-gpu-blocks", numGpuBlocks);
    positive("max-model-len", maxModelLen);
    positive("max-waiting-queue-length", maxWaiting);
  }

  /** vLLM's defaults for an 8B model on one H100. */
  public static EngineConfig defaults() {
    return new EngineConfig(256, 8192, 16, 25_000, 8192, true, 1000, StepTimeModel.H100_8B);
  }

  private static void positive(String flag, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("--" + flag + " must be >= 1, got " + value);
    }
  }
}
