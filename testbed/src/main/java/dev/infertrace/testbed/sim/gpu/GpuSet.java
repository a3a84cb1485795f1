package dev.infertrace.testbed.sim.gpu;

import dev.infertrace.testbed.sim.SimClock;
import dev.infertrace.testbed.sim.fault.FaultSchedule;

/**
 * The simulated GPUs of one engine and their DCGM twin. CONTRACT STUB: implemented in the gpu work;
 * signatures are fixed.
 *
 * <p>Thread-safety: {@link #recordStep} and {@link #setKvBlocksInUse} are called by the engine
 * thread; {@link #sample} by the DCGM sampler; {@link #render} by HTTP threads; {@link
 * #speedFactor} by the engine thread.
 */
public final class GpuSet {
  private GpuSet() {}

  public static GpuSet create(GpuSetConfig config, FaultSchedule faults, SimClock clock) {
    return new GpuSet();
  }

  /** (0, 1]: the slowest GPU's current SM clock over its nominal clock; steps scale by 1/this. */
  public double speedFactor() {
    return 1.0;
  }

  /** The engine was busy on all GPUs from start to end running this batch. */
  public void recordStep(long startNanos, long endNanos, int prefillTokens, int decodeSequences) {}

  /** KV-cache blocks currently holding data (part of FB_USED). */
  public void setKvBlocksInUse(int blocks) {}

  /** Closes the current sampling interval and computes the values {@link #render} shows. */
  public void sample() {}

  /** Appends the dcgm-exporter text exposition of every GPU. */
  public void render(StringBuilder out) {}
}
