package dev.infertrace.core.gpu;

import java.util.ArrayList;
import java.util.List;

/**
 * NVML's clocks-event-reason bits ({@code DCGM_FI_DEV_CLOCKS_EVENT_REASONS}, formerly clock
 * throttle reasons) decoded into names. The names are NVML's, without its prefix, and are the
 * values of the {@code dcgm.clocks_event_reasons} attribute.
 */
public final class ClocksEventReasons {
  private ClocksEventReasons() {}

  /** The bits in order, as NVML defines them. */
  private static final String[] NAMES = {
    "gpu_idle", // 0x1
    "applications_clocks_setting", // 0x2
    "sw_power_cap", // 0x4
    "hw_slowdown", // 0x8
    "sync_boost", // 0x10
    "sw_thermal_slowdown", // 0x20
    "hw_thermal_slowdown", // 0x40
    "hw_power_brake_slowdown", // 0x80
    "display_clock_setting", // 0x100
  };

  /** Bits that do not slow a GPU under load: idle, and the display clock setting. */
  public static final long BENIGN = 0x1 | 0x100;

  /** The names of the bits set in {@code mask}, in bit order; an unknown bit as {@code bit_N}. */
  public static List<String> names(long mask) {
    List<String> out = new ArrayList<>(2);
    for (int bit = 0; bit < 63; bit++) {
      if ((mask & (1L << bit)) != 0) {
        out.add(bit < NAMES.length ? NAMES[bit] : "bit_" + bit);
      }
    }
    return out;
  }

  /** True when {@code mask} has a bit that holds the clocks down under load. */
  public static boolean slowing(long mask) {
    return (mask & ~BENIGN) != 0;
  }
}
