package dev.infertrace.testbed.sim.gpu;

import dev.infertrace.testbed.sim.fault.FaultSchedule;

/**
 * One simulated GPU: accumulates the engine's busy time between samples and turns it, with the
 * faults in force, into the values dcgm-exporter would report.
 *
 * <p>{@link #recordBusy} (engine thread) and {@link #sample} (sampler) synchronize on this object;
 * both are short. {@link #last()} is a volatile read for renderers.
 */
final class GpuTwin {
  private final GpuIdentity id;
  private final FaultSchedule faults;
  private final int gpuCount;
  private final long weightsMiB;
  private final long kvBlockBytes;

  private long busyNanos;
  private long prefillTokens;
  private long decodeSequences;
  private long lastSampleNanos;
  private double temperatureC = GpuModel.AMBIENT_C + GpuModel.C_PER_WATT * GpuModel.IDLE_POWER_W;
  private double energyMillijoules;
  private double nvlinkBytes;
  private int lastXid;
  private volatile int kvBlocks;
  private volatile GpuSample last;

  GpuTwin(GpuIdentity id, FaultSchedule faults, int gpuCount, GpuSetConfig config, long nowNanos) {
    this.id = id;
    this.faults = faults;
    this.gpuCount = gpuCount;
    this.weightsMiB = config.weightsBytes() >> 20;
    this.kvBlockBytes = config.kvBlockBytes();
    this.lastSampleNanos = nowNanos;
    this.last = compute(nowNanos, 0, 0, 0);
  }

  GpuIdentity id() {
    return id;
  }

  GpuSample last() {
    return last;
  }

  /** The SM clock now, as the faults set it. */
  double smClockMhz() {
    return faults.smClockMhz(id.index(), GpuModel.NOMINAL_SM_CLOCK_MHZ);
  }

  synchronized void recordBusy(long nanos, int prefill, int decode) {
    busyNanos += nanos;
    prefillTokens += prefill;
    decodeSequences += decode;
  }

  void setKvBlocks(int blocks) {
    kvBlocks = blocks;
  }

  synchronized void sample(long nowNanos) {
    long interval = nowNanos - lastSampleNanos;
    if (interval <= 0) {
      return;
    }
    double busy = Math.min(1.0, (double) busyNanos / interval);
    long prefill = prefillTokens;
    long decode = decodeSequences;
    busyNanos = 0;
    prefillTokens = 0;
    decodeSequences = 0;
    lastSampleNanos = nowNanos;
    last =
        compute(
            nowNanos,
            interval,
            busy,
            prefill + decode == 0 ? 0 : (double) prefill / (prefill + decode));
  }

  private GpuSample compute(long now, long intervalNanos, double busy, double prefillShare) {
    double dt = intervalNanos / 1e9;
    int clock = (int) Math.round(smClockMhz());
    double clockRatio = clock / (double) GpuModel.NOMINAL_SM_CLOCK_MHZ;
    double power = GpuModel.power(busy, clockRatio);
    energyMillijoules += power * dt * 1000;
    double throttleTemp = faults.throttleTemperatureC(id.index());
    temperatureC =
        Double.isNaN(throttleTemp)
            ? GpuModel.approach(
                temperatureC, GpuModel.steadyTemperature(power), dt, GpuModel.TAU_SECONDS)
            : GpuModel.approach(temperatureC, throttleTemp, dt, GpuModel.THROTTLE_TAU_SECONDS);
    int xid = faults.activeXid(id.index());
    if (xid != 0) {
      lastXid = xid; // sticky: the real gauge holds the last XID
    }
    double decodeShare = busy == 0 ? 0 : 1 - prefillShare;
    double tensor =
        busy * (prefillShare * GpuModel.TENSOR_PREFILL + decodeShare * GpuModel.TENSOR_DECODE);
    double dram =
        busy * (prefillShare * GpuModel.DRAM_PREFILL + decodeShare * GpuModel.DRAM_DECODE);
    if (gpuCount > 1) {
      nvlinkBytes += busy * GpuModel.NVLINK_BYTES_PER_BUSY_SECOND * dt;
    }
    long used = weightsMiB + GpuModel.CONTEXT_MIB + ((long) kvBlocks * kvBlockBytes >> 20);
    used = Math.min(used, GpuModel.FB_TOTAL_MIB - GpuModel.FB_RESERVED_MIB);
    long pcie = Math.round(busy * GpuModel.PCIE_BYTES_PER_BUSY_SECOND);
    return new GpuSample(
        now,
        (int) Math.round(busy * 100),
        (int) Math.round(dram * 100),
        clock,
        GpuModel.MEM_CLOCK_MHZ,
        (int) Math.round(temperatureC),
        (int) Math.round(temperatureC) + GpuModel.HBM_ABOVE_CORE_C,
        power,
        Math.round(energyMillijoules),
        used,
        GpuModel.FB_TOTAL_MIB - GpuModel.FB_RESERVED_MIB - used,
        GpuModel.FB_RESERVED_MIB,
        lastXid,
        busy,
        tensor,
        dram,
        pcie,
        pcie / 4,
        Math.round(nvlinkBytes));
  }
}
