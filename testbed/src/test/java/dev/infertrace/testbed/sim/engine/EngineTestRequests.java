package dev.infertrace.testbed.sim.engine;

import java.util.Arrays;

/** Sequences for scheduler and KV-cache tests. */
final class EngineTestRequests {
  private static final RequestObserver IGNORE =
      new RequestObserver() {
        @Override
        public void onToken(int index, String text, String finishReason) {}

        @Override
        public void onFinished(FinishedRequest request) {}
      };

  private EngineTestRequests() {}

  /** A sequence whose prompt is {@code length} tokens {@code first, first+1, ...}. */
  static Sequence sequence(int first, int length, int maxTokens) {
    int[] prompt = new int[length];
    Arrays.setAll(prompt, i -> first + i);
    return new Sequence(
        new EngineRequest(
            "req-" + first, prompt, maxTokens, 0, true, 1, null, null, null, null, null, IGNORE));
  }
}
