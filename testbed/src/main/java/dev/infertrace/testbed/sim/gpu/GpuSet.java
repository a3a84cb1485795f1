package dev.infertrace.testbed.sim.gpu;

import dev.infertrace.testbed.sim.SimClock;
import dev.infertrace.testbed.sim.fault.FaultSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated GPUs of one engine (tensor parallel: every step keeps all of them busy) and their
 * DCGM twin. See {@code src/docs/dcgm-twin.md} for how each value is derived.
 *
 * <p>Thread-safety: {@link #recordStep} and {@link #setKvBlocksInUse} are called by the engine
 * thread; {@link #sample} by the DCGM sampler; {@link #render} by HTTP threads; {@link
 * #speedFactor} by the engine thread. All are safe together.
 */
public final class GpuSet {
  private final GpuSetConfig config;
  private final SimClock clock;
  private final List<GpuTwin> gpus;

  private GpuSet(GpuSetConfig config, SimClock clock, List<GpuTwin> gpus) {
    this.config = config;
    this.clock = clock;
    this.gpus = gpus;
  }

  public static GpuSet create(GpuSetConfig config, FaultSchedule faults, SimClock clock) {
    if (config.count() < 1) {
      throw new IllegalArgumentException("a GPU set needs at least one GPU, got " + config.count());
    }
    List<GpuTwin> gpus = new ArrayList<>(config.count());
    long now = clock.nowNanos();
    for (int i = 0; i < config.count(); i++) {
      gpus.add(
          new GpuTwin(
              GpuIdentity.of(config.instanceSeed(), i), faults, config.count(), config, now));
    }
    return new GpuSet(config, clock, List.copyOf(gpus));
  }

  /** (0, 1]: the slowest GPU's current SM clock over its maximum; steps scale by 1/this. */
  public double speedFactor() {
    double slowest = GpuModel.MAX_SM_CLOCK_MHZ;
    for (GpuTwin gpu : gpus) {
      slowest = Math.min(slowest, gpu.smClockMhz());
    }
    return Math.max(0.01, slowest / GpuModel.MAX_SM_CLOCK_MHZ);
  }

  /** The engine was busy on all GPUs from start to end running this batch. */
  public void recordStep(long startNanos, long endNanos, int prefillTokens, int decodeSequences) {
    long busy = endNanos - startNanos;
    for (GpuTwin gpu : gpus) {
      gpu.recordBusy(busy, prefillTokens, decodeSequences);
    }
  }

  /** KV-cache blocks currently holding data (part of FB_USED), split across the GPUs. */
  public void setKvBlocksInUse(int blocks) {
    for (GpuTwin gpu : gpus) {
      gpu.setKvBlocks(blocks);
    }
  }

  /** Closes the current sampling interval and computes the values {@link #render} shows. */
  public void sample() {
    long now = clock.nowNanos();
    for (GpuTwin gpu : gpus) {
      gpu.sample(now);
    }
  }

  /** Appends the dcgm-exporter text exposition of every GPU. */
  public void render(StringBuilder out) {
    DcgmExposition.write(
        out, gpus, config.hostname(), config.container(), config.namespace(), config.pod());
  }

  /** The UUIDs of the GPUs, by index ({@code hw.id} on spans). */
  public List<String> uuids() {
    return gpus.stream().map(g -> g.id().uuid()).toList();
  }
}
