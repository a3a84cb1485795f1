package dev.infertrace.core.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.metrics.PrometheusText;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** NVML's clocks-event-reason bits, read from a dcgm-exporter page as it prints them. */
class ClocksEventReasonsTest {
  @Test
  void decodesEachBitByNvmlsName() {
    assertThat(ClocksEventReasons.names(0)).isEmpty();
    assertThat(ClocksEventReasons.names(0x1)).containsExactly("gpu_idle");
    assertThat(ClocksEventReasons.names(0x60))
        .containsExactly("sw_thermal_slowdown", "hw_thermal_slowdown");
    assertThat(ClocksEventReasons.names(0x4 | 0x8 | 0x80))
        .containsExactly("sw_power_cap", "hw_slowdown", "hw_power_brake_slowdown");
    assertThat(ClocksEventReasons.names(0x100 | 0x200))
        .containsExactly("display_clock_setting", "bit_9");
  }

  @Test
  void idleAndDisplayBitsDoNotCountAsSlowing() {
    assertThat(ClocksEventReasons.slowing(0x1 | 0x100)).isFalse();
    assertThat(ClocksEventReasons.slowing(0x1 | 0x40)).isTrue();
  }

  @Test
  void theMaskAndTheMaximumClockAreReadUnderEitherNameOfTheField() {
    String labels =
        "{gpu=\"0\",UUID=\"GPU-1\",pci_bus_id=\"00000000:00:02.0\",device=\"nvidia0\","
            + "modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"n\"}";
    String current =
        "DCGM_FI_DEV_SM_CLOCK"
            + labels
            + " 990\n"
            + "DCGM_FI_DEV_MAX_SM_CLOCK"
            + labels
            + " 1980\n"
            + "DCGM_FI_DEV_CLOCKS_EVENT_REASONS"
            + labels
            + " 96.000000\n";
    String beforeDcgm33 = current.replace("CLOCKS_EVENT_REASONS", "CLOCK_THROTTLE_REASONS");

    for (String page : new String[] {current, beforeDcgm33}) {
      DcgmSample.Values v =
          DcgmSample.of(PrometheusText.parse(page), null, null, Set.of()).byUuid().get("GPU-1");
      assertThat(v.smClock()).isEqualTo(990.0);
      assertThat(v.maxSmClock()).isEqualTo(1980.0);
      assertThat(ClocksEventReasons.names((long) v.clocksEventReasons()))
          .containsExactly("sw_thermal_slowdown", "hw_thermal_slowdown");
    }
  }
}
