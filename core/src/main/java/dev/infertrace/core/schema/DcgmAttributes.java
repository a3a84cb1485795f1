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

  /**
   * The GPU's maximum supported SM clock, MHz ({@code DCGM_FI_DEV_MAX_SM_CLOCK}): what {@link
   * #SM_CLOCK} is compared with to call a GPU throttled; the lowest over GPUs.
   */
  public static final String SM_CLOCK_LIMIT = "dcgm.sm_clock.limit";

  /**
   * Why the clocks were held down during the window: the names of the clocks-event-reason bits set
   * in any sample of any GPU ({@code DCGM_FI_DEV_CLOCKS_EVENT_REASONS}), string array, e.g. {@code
   * hw_thermal_slowdown}; {@code gpu_idle} and {@code display_clock_setting} included as reported
   * (they do not slow a loaded GPU).
   */
  public static final String CLOCKS_EVENT_REASONS = "dcgm.clocks_event_reasons";

  /** Power draw, W; mean. */
  public static final String POWER_USAGE = "dcgm.power_usage";

  /** GPU temperature, °C; the highest. */
  public static final String GPU_TEMP = "dcgm.gpu_temp";

  /** Framebuffer memory used, bytes; the highest. */
  public static final String FB_USED = "dcgm.fb_used";

  /** Tensor-pipe activity, ratio 0–1; mean. */
  public static final String TENSOR_ACTIVE = "dcgm.tensor_active";

  /**
   * The XID error a GPU reported (the highest) when it appeared during the span's window or within
   * one staleness bound before it; an older XID stays off the span, so a request that started after
   * the fault does not look as guilty as those it hit.
   */
  public static final String XID_ERRORS = "dcgm.xid_errors";

  /**
   * When {@link #XID_ERRORS} first showed in the samples, seconds from the span's start (negative:
   * before the span started).
   */
  public static final String XID_ERRORS_AT = "dcgm.xid_errors.at";

  /** Age of the newest DCGM sample at the span's end, seconds. */
  public static final String SAMPLE_AGE = "dcgm.sample_age";

  /** {@code true} when no DCGM sample younger than 3 scrape intervals exists. */
  public static final String STALE = "dcgm.stale";
}
