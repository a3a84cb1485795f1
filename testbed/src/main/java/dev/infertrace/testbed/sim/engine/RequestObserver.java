package dev.infertrace.testbed.sim.engine;

/**
 * Receives what the engine produces for one request. Called on the engine thread: implementations
 * must hand the work off (e.g. to the request's event loop) and return at once.
 */
public interface RequestObserver {
  /**
   * Output token {@code index} (0-based) was produced.
   *
   * @param text the token's text
   * @param finishReason {@code stop} or {@code length} when this is the last token, else null
   */
  void onToken(int index, String text, @javax.annotation.Nullable String finishReason);

  /** The request is done (after its last token, or aborted); {@code request} has its numbers. */
  void onFinished(FinishedRequest request);
}
