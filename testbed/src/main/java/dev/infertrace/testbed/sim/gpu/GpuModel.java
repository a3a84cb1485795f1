package dev.infertrace.testbed.sim.gpu;

/**
 * The constants of the simulated GPU, an NVIDIA H100 80GB HBM3 (SXM), and of its thermal and power
 * behaviour. Values are round figures from the public H100 specification.
 */
final class GpuModel {
  static final String NAME = "NVIDIA H100 80GB HBM3";
  static final String DRIVER_VERSION = "580.95.05";
  static final long FB_TOTAL_MIB = 81_559;
  static final long FB_RESERVED_MIB = 512;

  /** CUDA context, activations and graphs that vLLM holds besides weights and KV cache. */
  static final long CONTEXT_MIB = 2_048;

  /**
   * The maximum supported SM clock ({@code DCGM_FI_DEV_MAX_SM_CLOCK}), at which the twin runs
   * unless a thermal cap holds it lower.
   */
  static final int MAX_SM_CLOCK_MHZ = 1980;

  static final int MEM_CLOCK_MHZ = 2619;
  static final double IDLE_POWER_W = 70;
  static final double MAX_POWER_W = 700;

  /** Power within this of {@link #MAX_POWER_W} counts as at the cap ({@code sw_power_cap}). */
  static final double POWER_CAP_MARGIN_W = 1;

  static final double AMBIENT_C = 30;

  /** Steady-state temperature rise per watt: full power settles near 72 °C. */
  static final double C_PER_WATT = 0.06;

  /** Thermal time constant of the heatsink, normal cooling. */
  static final double TAU_SECONDS = 20;

  /** Time constant towards a throttling temperature: the fault is a cooling failure, fast. */
  static final double THROTTLE_TAU_SECONDS = 1.5;

  static final int HBM_ABOVE_CORE_C = 4;

  /** Tensor-pipe activity per busy second: prefill is matmul-bound, decode memory-bound. */
  static final double TENSOR_PREFILL = 0.70;

  static final double TENSOR_DECODE = 0.25;
  static final double DRAM_PREFILL = 0.30;
  static final double DRAM_DECODE = 0.80;

  /** Tensor-parallel all-reduce traffic over NVLink while busy, bytes/s per GPU. */
  static final double NVLINK_BYTES_PER_BUSY_SECOND = 40e9;

  /** Host traffic while busy (token ids in, logits out), bytes/s. */
  static final double PCIE_BYTES_PER_BUSY_SECOND = 50e6;

  /** NVML's clocks-event-reason bits the twin sets ({@code DCGM_FI_DEV_CLOCKS_EVENT_REASONS}). */
  static final long REASON_GPU_IDLE = 0x1;

  static final long REASON_SW_POWER_CAP = 0x4;
  static final long REASON_SW_THERMAL_SLOWDOWN = 0x20;
  static final long REASON_HW_THERMAL_SLOWDOWN = 0x40;

  /** The bits that count towards {@code DCGM_FI_DEV_THERMAL_VIOLATION}. */
  static final long REASONS_THERMAL = REASON_SW_THERMAL_SLOWDOWN | REASON_HW_THERMAL_SLOWDOWN;

  private GpuModel() {}

  /**
   * Power at {@code util} (0–1) and {@code clockRatio} (clock over the maximum): dynamic power ∝
   * f².
   */
  static double power(double util, double clockRatio) {
    return IDLE_POWER_W + (MAX_POWER_W - IDLE_POWER_W) * util * clockRatio * clockRatio;
  }

  /** The temperature the GPU settles at when drawing {@code powerW}. */
  static double steadyTemperature(double powerW) {
    return AMBIENT_C + C_PER_WATT * powerW;
  }

  /** First-order approach of {@code current} to {@code target} over {@code dtSeconds}. */
  static double approach(double current, double target, double dtSeconds, double tauSeconds) {
    return target + (current - target) * Math.exp(-dtSeconds / tauSeconds);
  }
}
