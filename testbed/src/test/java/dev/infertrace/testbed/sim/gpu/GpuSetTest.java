package dev.infertrace.testbed.sim.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.gpu.ClocksEventReasons;
import dev.infertrace.core.gpu.DcgmSample;
import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.MetricSample;
import dev.infertrace.core.metrics.PrometheusText;
import dev.infertrace.core.schema.MetricNames.Dcgm;
import dev.infertrace.testbed.sim.SimClock;
import dev.infertrace.testbed.sim.fault.FaultSchedule;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GpuSetTest {
  private static final long SECOND = 1_000_000_000L;
  private final SimClock.ManualClock clock = SimClock.manual(1_700_000_000L * SECOND);
  private final FaultSchedule faults = new FaultSchedule(clock);

  private GpuSet gpus(int count, String pod) {
    return GpuSet.create(
        new GpuSetConfig(
            count,
            "twin-a",
            "node-1",
            pod,
            pod == null ? null : "llm",
            pod == null ? null : "vllm",
            16L << 30,
            2L << 20),
        faults,
        clock);
  }

  private Exposition scrape(GpuSet gpus) {
    StringBuilder out = new StringBuilder();
    gpus.render(out);
    Exposition e = PrometheusText.parse(out.toString());
    assertThat(e.problems()).isEmpty();
    return e;
  }

  /** GPU {@code gpu} as core's DCGM reader sees the page. */
  private static DcgmSample.Values read(Exposition page, GpuSet gpus, int gpu) {
    return DcgmSample.of(page, null, null, Set.of()).byUuid().get(gpus.uuids().get(gpu));
  }

  private static List<String> reasons(DcgmSample.Values v) {
    return ClocksEventReasons.names((long) v.clocksEventReasons());
  }

  /** Keeps every GPU of {@code gpus} busy for {@code fraction} of the next second, then samples. */
  private void busySecond(GpuSet gpus, double fraction) {
    long t0 = clock.nowNanos();
    gpus.recordStep(t0, t0 + Math.round(SECOND * fraction), 0, 8);
    clock.advance(SECOND);
    gpus.sample();
  }

  @Test
  void utilisationIsTheBusyFractionOfTheInterval() {
    GpuSet gpus = gpus(1, null);
    long t0 = clock.nowNanos();
    gpus.recordStep(t0, t0 + SECOND / 4, 0, 8);
    clock.advance(SECOND);
    gpus.sample();

    Exposition e = scrape(gpus);

    assertThat(e.value("DCGM_FI_DEV_GPU_UTIL")).isEqualTo(25);
    assertThat(e.value("DCGM_FI_PROF_GR_ENGINE_ACTIVE")).isEqualTo(0.25);
    assertThat(e.value("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE")).as("decode only").isEqualTo(0.0625);
    assertThat(e.value("DCGM_FI_DEV_POWER_USAGE")).isEqualTo(70 + 630 * 0.25);
    assertThat(e.value("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")).isEqualTo(227_500);

    clock.advance(SECOND);
    gpus.sample();
    assertThat(scrape(gpus).value("DCGM_FI_DEV_GPU_UTIL")).as("idle interval").isZero();
  }

  @Test
  void prefillWorksTheTensorPipesHarderThanDecode() {
    GpuSet gpus = gpus(1, null);
    long t0 = clock.nowNanos();
    gpus.recordStep(t0, t0 + SECOND, 4000, 0);
    clock.advance(SECOND);
    gpus.sample();

    Exposition e = scrape(gpus);

    assertThat(e.value("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE")).isEqualTo(0.7);
    assertThat(e.value("DCGM_FI_PROF_DRAM_ACTIVE")).isEqualTo(0.3);
  }

  @Test
  void framebufferUsedIsWeightsContextAndKvBlocks() {
    GpuSet gpus = gpus(1, null);
    gpus.setKvBlocksInUse(1000);
    clock.advance(SECOND);
    gpus.sample();

    Exposition e = scrape(gpus);

    long used = 16 * 1024 + 2048 + 2000;
    assertThat(e.value("DCGM_FI_DEV_FB_USED")).isEqualTo(used);
    assertThat(e.value("DCGM_FI_DEV_FB_FREE")).isEqualTo(81_559 - 512 - used);
  }

  @Test
  void thermalThrottleLowersTheClockAtOnceAndHeatsTheGpu() {
    GpuSet gpus = gpus(2, null);
    clock.advance(SECOND);
    gpus.sample();
    double coolTemp = scrape(gpus).value("DCGM_FI_DEV_GPU_TEMP", "gpu", "1");

    faults.add(FaultSpec.parse("thermal-throttle:smClockMhz=990,gpu=1"));

    assertThat(gpus.speedFactor()).isEqualTo(0.5);
    for (int i = 0; i < 5; i++) {
      clock.advance(SECOND);
      gpus.sample();
    }
    Exposition hot = scrape(gpus);
    assertThat(hot.value("DCGM_FI_DEV_SM_CLOCK", "gpu", "1")).isEqualTo(990);
    assertThat(hot.value("DCGM_FI_DEV_SM_CLOCK", "gpu", "0")).isEqualTo(1980);
    assertThat(hot.value("DCGM_FI_DEV_GPU_TEMP", "gpu", "1")).isGreaterThan(coolTemp + 40);
    assertThat(hot.value("DCGM_FI_DEV_GPU_TEMP", "gpu", "0")).isEqualTo(coolTemp);
  }

  @Test
  void aStallReportsItsXidAndTheGaugeKeepsIt() {
    GpuSet gpus = gpus(1, null);
    faults.add(FaultSpec.parse("stall:durationSeconds=1"));
    clock.advance(SECOND / 2);
    gpus.sample();
    Exposition stalled = scrape(gpus);
    MetricSample during = stalled.samples("DCGM_FI_DEV_XID_ERRORS").get(0);
    List<String> duringReasons = reasons(read(stalled, gpus, 0));
    clock.advance(5 * SECOND);
    gpus.sample();

    assertThat(during.value()).isEqualTo(43);
    assertThat(during.label("err_code")).isEqualTo("43");
    assertThat(during.label("err_msg")).isEqualTo("GPU stopped processing");
    assertThat(duringReasons)
        .as("the twin's clocks do not drop in a stall: idle, not hw_slowdown")
        .containsExactly("gpu_idle");
    assertThat(scrape(gpus).value("DCGM_FI_DEV_XID_ERRORS")).as("after the stall").isEqualTo(43);
  }

  @Test
  void anIdleGpuReportsGpuIdleAndTheH100MaximumClock() {
    GpuSet gpus = gpus(1, null);
    clock.advance(SECOND);
    gpus.sample();

    Exposition e = scrape(gpus);
    DcgmSample.Values v = read(e, gpus, 0);

    assertThat(v.maxSmClock()).isEqualTo(1980);
    assertThat(v.smClock()).isEqualTo(v.maxSmClock());
    assertThat(reasons(v)).containsExactly("gpu_idle");
    assertThat(ClocksEventReasons.slowing((long) v.clocksEventReasons())).isFalse();
    assertThat(e.value(Dcgm.THERMAL_VIOLATION)).isZero();
    assertThat(e.value(Dcgm.POWER_VIOLATION)).isZero();
    assertThat(e.types())
        .containsEntry(Dcgm.MAX_SM_CLOCK, "gauge")
        .containsEntry(Dcgm.CLOCKS_EVENT_REASONS, "gauge")
        .containsEntry(Dcgm.THERMAL_VIOLATION, "counter")
        .containsEntry(Dcgm.POWER_VIOLATION, "counter");
  }

  @Test
  void theReasonsMaskPrintsAsAFloatAndTheOthersAsIntegers() {
    GpuSet gpus = gpus(1, null);
    clock.advance(SECOND);
    gpus.sample();
    StringBuilder out = new StringBuilder();
    gpus.render(out);

    assertThat(out.toString())
        .containsPattern("(?m)^DCGM_FI_DEV_CLOCKS_EVENT_REASONS\\{gpu=\"0\",[^}]*\\} 1\\.000000$")
        .containsPattern("(?m)^DCGM_FI_DEV_MAX_SM_CLOCK\\{gpu=\"0\",[^}]*\\} 1980$")
        .containsPattern("(?m)^DCGM_FI_DEV_THERMAL_VIOLATION\\{gpu=\"0\",[^}]*\\} 0$")
        .contains("# HELP DCGM_FI_DEV_THERMAL_VIOLATION Throttling duration due to thermal")
        .contains("# TYPE DCGM_FI_DEV_POWER_VIOLATION counter");
  }

  @Test
  void aThermalThrottleSetsTheThermalBitsAndCountsTheTimeUntilItClears() {
    GpuSet gpus = gpus(2, null);
    busySecond(gpus, 0.5);
    faults.add(FaultSpec.parse("thermal-throttle:smClockMhz=990,gpu=1,durationSeconds=3"));

    busySecond(gpus, 0.5);
    DcgmSample.Values first = read(scrape(gpus), gpus, 1);
    busySecond(gpus, 0.5);
    Exposition hot = scrape(gpus);
    DcgmSample.Values throttled = read(hot, gpus, 1);
    DcgmSample.Values cool = read(hot, gpus, 0);

    assertThat(throttled.smClock()).isEqualTo(990).isLessThan(throttled.maxSmClock());
    assertThat(reasons(throttled))
        .containsExactly("sw_thermal_slowdown", "hw_thermal_slowdown")
        .as("busy: not idle")
        .doesNotContain("gpu_idle");
    assertThat(ClocksEventReasons.slowing((long) throttled.clocksEventReasons())).isTrue();
    assertThat(hot.value(Dcgm.CLOCKS_EVENT_REASONS, "gpu", "1")).isEqualTo(0x60);
    assertThat(hot.value(Dcgm.THERMAL_VIOLATION, "gpu", "1"))
        .as("grows by each throttled interval")
        .isEqualTo(2 * SECOND);
    assertThat(reasons(first)).contains("hw_thermal_slowdown");
    assertThat(reasons(cool)).as("the other GPU runs at its maximum").isEmpty();
    assertThat(hot.value(Dcgm.THERMAL_VIOLATION, "gpu", "0")).isZero();

    busySecond(gpus, 0.5); // the fault ends with this interval
    busySecond(gpus, 0.5);
    Exposition after = scrape(gpus);
    DcgmSample.Values recovered = read(after, gpus, 1);

    assertThat(recovered.smClock()).isEqualTo(recovered.maxSmClock());
    assertThat(reasons(recovered)).isEmpty();
    assertThat(recovered.gpuTemp()).as("still warm: the bits follow the clock").isGreaterThan(60);
    assertThat(after.value(Dcgm.THERMAL_VIOLATION, "gpu", "1"))
        .as("a counter: it keeps the time")
        .isEqualTo(2 * SECOND);
  }

  @Test
  void fullLoadAtTheBoardPowerLimitSetsSwPowerCap() {
    GpuSet gpus = gpus(1, null);
    busySecond(gpus, 1.0);
    busySecond(gpus, 1.0);
    Exposition full = scrape(gpus);
    busySecond(gpus, 0.5);
    Exposition half = scrape(gpus);

    assertThat(full.value(Dcgm.POWER_USAGE)).isEqualTo(700);
    assertThat(reasons(read(full, gpus, 0))).containsExactly("sw_power_cap");
    assertThat(full.value(Dcgm.POWER_VIOLATION)).isEqualTo(2 * SECOND);
    assertThat(reasons(read(half, gpus, 0))).isEmpty();
    assertThat(half.value(Dcgm.POWER_VIOLATION)).isEqualTo(2 * SECOND);
    assertThat(half.value(Dcgm.THERMAL_VIOLATION)).isZero();

    faults.add(FaultSpec.parse("thermal-throttle:smClockMhz=990"));
    busySecond(gpus, 1.0);
    assertThat(reasons(read(scrape(gpus), gpus, 0)))
        .as("a throttled clock draws less than the cap")
        .containsExactly("sw_thermal_slowdown", "hw_thermal_slowdown");
  }

  @Test
  void everySeriesCarriesTheFullLabelSetInDcgmExporterOrder() {
    Exposition e = scrape(gpus(2, "vllm-0"));

    assertThat(e.samples()).isNotEmpty();
    for (MetricSample s : e.samples()) {
      assertThat(e.types()).containsKey(s.name());
      if (s.name().equals("DCGM_FI_DEV_XID_ERRORS")) {
        // The exporter sorts the labels after the driver version: err_* fall between.
        assertThat(s.labels().keySet())
            .containsExactly(
                "gpu",
                "UUID",
                "pci_bus_id",
                "device",
                "modelName",
                "Hostname",
                "DCGM_FI_DRIVER_VERSION",
                "container",
                "err_code",
                "err_msg",
                "namespace",
                "pod");
        assertThat(s.label("err_msg")).isEqualTo("No Error");
        continue;
      }
      assertThat(s.labels().keySet())
          .startsWith(
              "gpu",
              "UUID",
              "pci_bus_id",
              "device",
              "modelName",
              "Hostname",
              "DCGM_FI_DRIVER_VERSION",
              "container",
              "namespace",
              "pod");
      assertThat(s.label("modelName")).isEqualTo("NVIDIA H100 80GB HBM3");
      assertThat(s.label("pod")).isEqualTo("vllm-0");
    }
    assertThat(e.samples("DCGM_FI_DEV_SM_CLOCK"))
        .extracting(s -> s.label("UUID"))
        .doesNotHaveDuplicates()
        .allSatisfy(
            uuid ->
                assertThat(uuid)
                    .matches("GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
    assertThat(e.types())
        .containsEntry("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter")
        .containsEntry("DCGM_FI_DEV_GPU_UTIL", "gauge");
  }

  @Test
  void podLabelsAreLeftOutWhenNotGivenAndUuidsDifferByInstance() {
    GpuSet a = gpus(1, null);
    GpuSet b =
        GpuSet.create(
            new GpuSetConfig(1, "twin-b", "node-1", null, null, null, 1, 1), faults, clock);

    assertThat(scrape(a).samples("DCGM_FI_DEV_GPU_UTIL").get(0).labels()).doesNotContainKey("pod");
    assertThat(a.uuids()).doesNotContainAnyElementsOf(b.uuids());
    assertThat(a.uuids()).isEqualTo(gpus(1, null).uuids());
  }
}
