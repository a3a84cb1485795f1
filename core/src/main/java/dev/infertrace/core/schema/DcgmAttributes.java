package dev.infertrace.core.schema;

/**
 * The {@code dcgm.*} attributes: the state of the GPUs a request ran on, from the DCGM exporter.
 * DCGM has no per-request attribution, so these describe the GPUs, not the request. Units: ratios
 * 0–1, clocks MHz, power W, temperature °C, memory bytes, ages seconds. How each is aggregated over
 * GPUs and samples is stated per constant (see {@code dev.infertrace.core.gpu.GpuAggregate}).
 */
public final class DcgmAttributes {
  private DcgmAttributes() {}

  /** GPU utilisation, ratio 0–1; mean over GPUs and samples. */
  public static final String GPU_UTIL = "dcgm.gpu_util";

  /** SM clock, MHz; the lowest (a throttled GPU shows here). */
  public static final String SM_CLOCK = "dcgm.sm_clock";

  /** SM clock, MHz; the highest. */
  public static final String SM_CLOCK_MAX = "dcgm.sm_clock.max";

  /** Power draw, W; mean. */
  public static final String POWER_USAGE = "dcgm.power_usage";

  /** GPU temperature, °C; the highest. */
  public static final String GPU_TEMP = "dcgm.gpu_temp";

  /** Framebuffer memory used, bytes; the highest. */
  public static final String FB_USED = "dcgm.fb_used";

  /** Tensor-pipe activity, ratio 0–1; mean. */
  public static final String TENSOR_ACTIVE = "dcgm.tensor_active";

  /** The last XID error reported; the highest. */
  public static final String XID_ERRORS = "dcgm.xid_errors";

  /** Age of the newest DCGM sample at the span's end, seconds. */
  public static final String SAMPLE_AGE = "dcgm.sample_age";

  /** {@code true} when no DCGM sample younger than 3 scrape intervals exists. */
  public static final String STALE = "dcgm.stale";
}
