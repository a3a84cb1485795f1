package dev.infertrace.testbed.sim.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infertrace.testbed.sim.SimClock;
import org.junit.jupiter.api.Test;

class FaultSpecTest {

  @Test
  void parsesASpecWithDefaultsFilledIn() {
    FaultSpec spec = FaultSpec.parse("thermal-throttle:startSeconds=10,durationSeconds=30,gpu=1");

    assertThat(spec.type()).isEqualTo(FaultType.THERMAL_THROTTLE);
    assertThat(spec.startSeconds()).isEqualTo(10);
    assertThat(spec.durationSeconds()).isEqualTo(30);
    assertThat(spec.gpu()).isEqualTo(1);
    assertThat(spec.params()).containsEntry("smClockMhz", 1050.0).containsEntry("gpuTempC", 90.0);
    assertThat(FaultSpec.parse("stall").durationSeconds()).isEqualTo(5);
  }

  @Test
  void rejectsBadSpecsNamingWhatIsWrong() {
    assertThatThrownBy(() -> FaultSpec.parse("meltdown"))
        .hasMessage(
            "unknown fault type 'meltdown'; known types: thermal-throttle, kv-pressure,"
                + " network-delay, stall, slow-prefill, engine-error");
    assertThatThrownBy(() -> FaultSpec.parse("kv-pressure:blocksFraction=1.5"))
        .hasMessage("blocksFraction must be within [0, 1], got 1.5");
    assertThatThrownBy(() -> FaultSpec.parse("slow-prefill:factor=x"))
        .hasMessage("factor must be a number, got 'x'");
    assertThatThrownBy(() -> FaultSpec.parse("slow-prefill:speed=2"))
        .hasMessage(
            "unknown parameter 'speed' for slow-prefill; it takes startSeconds, durationSeconds,"
                + " factor");
    assertThatThrownBy(() -> FaultSpec.parse("kv-pressure:gpu=0"))
        .hasMessage("gpu applies to thermal-throttle and stall only, not to kv-pressure");
    assertThatThrownBy(() -> FaultSpec.parse("stall:durationSeconds=0"))
        .hasMessage("durationSeconds must be > 0, got 0.0");
    assertThatThrownBy(() -> FaultSpec.parse("stall:5"))
        .hasMessage("expected name=value in fault spec 'stall:5', got '5'");
  }

  @Test
  void theScheduleAnswersForActiveFaultsOnly() {
    SimClock.ManualClock clock = SimClock.manual(1_000_000_000L);
    FaultSchedule faults = new FaultSchedule(clock);
    faults.add(
        FaultSpec.parse("thermal-throttle:startSeconds=1,durationSeconds=2,smClockMhz=1100,gpu=1"));
    faults.add(FaultSpec.parse("kv-pressure:blocksFraction=0.5,durationSeconds=10"));

    assertThat(faults.smClockMhz(1, 1980)).as("not started").isEqualTo(1980);
    assertThat(faults.kvBlocksFractionWithheld()).isEqualTo(0.5);
    clock.advance(1_500_000_000L);
    assertThat(faults.smClockMhz(1, 1980)).isEqualTo(1100);
    assertThat(faults.smClockMhz(0, 1980)).as("other GPU").isEqualTo(1980);
    assertThat(faults.throttleTemperatureC(1)).isEqualTo(90);
    clock.advance(2_000_000_000L);
    assertThat(faults.smClockMhz(1, 1980)).as("over").isEqualTo(1980);
    assertThat(faults.list()).hasSize(1);
    assertThat(faults.clear()).isEqualTo(1);
    assertThat(faults.kvBlocksFractionWithheld()).isZero();
  }
}
