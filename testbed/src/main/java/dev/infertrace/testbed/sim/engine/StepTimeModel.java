package dev.infertrace.testbed.sim.engine;

/**
 * How long one engine step takes on the simulated GPU, before the SM-clock and slow-prefill
 * factors: {@code baseMs + decodeSequences × decodeMsPerSequence + decodeContextTokens / 1000 ×
 * kvReadMsPer1kTokens + prefillTokens × prefillMsPerToken}.
 *
 * <p>The defaults resemble an 8B model in bf16 on one H100: reading the weights once per step (~16
 * GB at ~3.3 TB/s) sets the ~6 ms floor, so a lone decode runs at ~160 tokens/s; each KV token read
 * costs ~128 KiB of bandwidth; prefill runs at ~16k tokens/s.
 *
 * @param baseMs fixed cost of a step (weights read, launch overhead), milliseconds
 * @param decodeMsPerSequence extra cost per decoding sequence, milliseconds
 * @param kvReadMsPer1kTokens cost of attending to 1000 context tokens, milliseconds
 * @param prefillMsPerToken cost per prompt token computed, milliseconds
 */
public record StepTimeModel(
    double baseMs,
    double decodeMsPerSequence,
    double kvReadMsPer1kTokens,
    double prefillMsPerToken) {

  /** An 8B model on an H100 (see the class comment). */
  public static final StepTimeModel H100_8B = new StepTimeModel(6.0, 0.02, 0.04, 0.06);

  public StepTimeModel {
    check("baseMs", baseMs);
    check("decodeMsPerSequence", decodeMsPerSequence);
    check("kvReadMsPer1kTokens", kvReadMsPer1kTokens);
    check("prefillMsPerToken", prefillMsPerToken);
  }

  /**
   * The duration of a step, in nanoseconds.
   *
   * @param speedFactor (0, 1]: current SM clock over nominal; the step takes 1/speedFactor longer
   * @param prefillSlowdown ≥ 1: prefill cost multiplier (a {@code slow-prefill} fault)
   */
  long stepNanos(StepPlan plan, double speedFactor, double prefillSlowdown) {
    double ms =
        baseMs
            + plan.decodeSequences * decodeMsPerSequence
            + plan.decodeContextTokens / 1000.0 * kvReadMsPer1kTokens
            + plan.prefillTokens * prefillMsPerToken * prefillSlowdown;
    return Math.round(ms * 1e6 / speedFactor);
  }

  private static void check(String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + value);
    }
  }
}
