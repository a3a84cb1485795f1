package dev.infertrace.testbed.sim.metrics;

import dev.infertrace.testbed.sim.engine.FinishedRequest;
import java.util.Map;

/**
 * vLLM V1's Prometheus metrics for one engine. CONTRACT STUB: implemented in the metrics work;
 * signatures are fixed.
 *
 * <p>The {@code observe}/{@code on} methods are called by the engine thread; {@link #render} by
 * HTTP threads.
 */
public final class VllmMetrics {

  /**
   * @param modelName the {@code model_name} label
   * @param gauges the engine's live state
   * @param cacheConfig labels of {@code vllm:cache_config_info} (block_size, num_gpu_blocks, ...)
   */
  public VllmMetrics(String modelName, EngineGauges gauges, Map<String, String> cacheConfig) {}

  /** A request produced its first token {@code seconds} after arrival. */
  public void observeTimeToFirstToken(double seconds) {}

  /** A request produced a token {@code seconds} after its previous one. */
  public void observeInterTokenLatency(double seconds) {}

  /** Prompt tokens computed (prefill), as counted by {@code vllm:prompt_tokens_total}. */
  public void onPromptTokens(int tokens) {}

  /** Output tokens generated. */
  public void onGenerationTokens(int tokens) {}

  /** A prefix-cache lookup of {@code queriedTokens} found {@code hitTokens}. */
  public void onPrefixCacheQuery(int queriedTokens, int hitTokens) {}

  /** A running request was preempted. */
  public void onPreemption() {}

  /** A request finished (stop, length or abort). */
  public void onFinished(FinishedRequest request) {}

  /** Appends the Prometheus text exposition (format 0.0.4). */
  public void render(StringBuilder out) {}
}
