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
  private long thermalViolationNanos;
  private long powerViolationNanos;
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

  /**
   * The SM clock now: the maximum, or lower where a thermal cap is in force (a {@code
   * thermal-throttle} fault, the twin's cooling failure; nothing else lowers the clock).
   */
  double smClockMhz() {
    return faults.smClockMhz(id.index(), GpuModel.MAX_SM_CLOCK_MHZ);
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
    double clockRatio = clock / (double) GpuModel.MAX_SM_CLOCK_MHZ;
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
    int util = (int) Math.round(busy * 100);
    long reasons = clocksEventReasons(util, clock, power);
    // The reasons seen at the sample stand for the whole interval, as power and energy do.
    if ((reasons & GpuModel.REASONS_THERMAL) != 0) {
      thermalViolationNanos += intervalNanos;
    }
    if ((reasons & GpuModel.REASON_SW_POWER_CAP) != 0) {
      powerViolationNanos += intervalNanos;
    }
    return new GpuSample(
        now,
        util,
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
        Math.round(nvlinkBytes),
        reasons,
        thermalViolationNanos,
        powerViolationNanos);
  }

  /**
   * NVML's clocks-event reasons from the GPU's state, not from the faults' names: idle when the
   * interval had no work; both thermal slowdowns, as an H100 reports them when hot, when the clock
   * is held below its maximum (only the thermal cap does that here); the software power cap when
   * the draw is at the board limit. A stall stops the engine, not the clocks: it shows as idle, not
   * as {@code hw_slowdown}.
   */
  private static long clocksEventReasons(int util, int clockMhz, double powerW) {
    long reasons = 0;
    if (util == 0) {
      reasons |= GpuModel.REASON_GPU_IDLE;
    }
    if (clockMhz < GpuModel.MAX_SM_CLOCK_MHZ) {
      reasons |= GpuModel.REASONS_THERMAL;
    }
    if (powerW >= GpuModel.MAX_POWER_W - GpuModel.POWER_CAP_MARGIN_W) {
      reasons |= GpuModel.REASON_SW_POWER_CAP;
    }
    return reasons;
  }
}
