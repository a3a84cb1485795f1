package dev.infertrace.core.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.infertrace.core.gpu.GpuAggregate.Reduce;
import dev.infertrace.core.metrics.PrometheusText;
import dev.infertrace.core.state.Timeline;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GpuAggregateTest {
  /** Two GPUs of one node as dcgm-exporter writes them; GPU-b reports no power. */
  private static String page(int utilA, int utilB, int clockA, int clockB, int tempA, int tempB) {
    String a = "{gpu=\"0\",UUID=\"GPU-a\",device=\"nvidia0\",modelName=\"NVIDIA H100 80GB HBM3\"}";
    String b = "{gpu=\"1\",UUID=\"GPU-b\",device=\"nvidia1\",modelName=\"NVIDIA H100 80GB HBM3\"}";
    return "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n"
        + "# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"
        + "DCGM_FI_DEV_GPU_UTIL"
        + a
        + " "
        + utilA
        + "\n"
        + "DCGM_FI_DEV_GPU_UTIL"
        + b
        + " "
        + utilB
        + "\n"
        + "# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).\n"
        + "# TYPE DCGM_FI_DEV_SM_CLOCK gauge\n"
        + "DCGM_FI_DEV_SM_CLOCK"
        + a
        + " "
        + clockA
        + "\n"
        + "DCGM_FI_DEV_SM_CLOCK"
        + b
        + " "
        + clockB
        + "\n"
        + "# HELP DCGM_FI_DEV_GPU_TEMP GPU temperature (in C).\n"
        + "# TYPE DCGM_FI_DEV_GPU_TEMP gauge\n"
        + "DCGM_FI_DEV_GPU_TEMP"
        + a
        + " "
        + tempA
        + "\n"
        + "DCGM_FI_DEV_GPU_TEMP"
        + b
        + " "
        + tempB
        + "\n"
        + "# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).\n"
        + "# TYPE DCGM_FI_DEV_POWER_USAGE gauge\n"
        + "DCGM_FI_DEV_POWER_USAGE"
        + a
        + " 612.5\n";
  }

  private static DcgmSample sample(String page) {
    return DcgmSample.of(PrometheusText.parse(page), null, null, Set.of());
  }

  @Test
  void acrossGpusTheMeanTheLowestOrTheHighest() {
    DcgmSample s = sample(page(40, 90, 1980, 1410, 61, 74));

    assertThat(GpuAggregate.across(s, DcgmSample.Values::gpuUtil, Reduce.AVG))
        .isCloseTo(0.65, within(1e-9));
    assertThat(GpuAggregate.across(s, DcgmSample.Values::smClock, Reduce.MIN)).isEqualTo(1410);
    assertThat(GpuAggregate.across(s, DcgmSample.Values::smClock, Reduce.MAX)).isEqualTo(1980);
    assertThat(GpuAggregate.across(s, DcgmSample.Values::gpuTemp, Reduce.MAX)).isEqualTo(74);
  }

  @Test
  void aGpuThatDidNotReportAFieldIsLeftOutAndNoneAtAllIsNaN() {
    DcgmSample s = sample(page(40, 90, 1980, 1410, 61, 74));

    assertThat(GpuAggregate.across(s, DcgmSample.Values::powerUsage, Reduce.AVG))
        .as("GPU-b has no power sample: the mean of GPU-a alone, not (612.5 + 0) / 2")
        .isEqualTo(612.5);
    assertThat(GpuAggregate.across(s, DcgmSample.Values::tensorActive, Reduce.MAX)).isNaN();
    assertThat(
            GpuAggregate.across(
                s, v -> Double.isNaN(v.powerUsage()) ? 0 : v.powerUsage(), Reduce.AVG))
        .as("a caller counting a missing field as zero says so in its field function")
        .isEqualTo(306.25);
  }

  @Test
  void overAWindowTheSameReductionAcrossTheSamplesInItAndTheOneInForceAtItsStart() {
    Timeline<DcgmSample> t = new Timeline<>(16);
    t.add(100, sample(page(10, 10, 1980, 1980, 50, 50))); // before the floor: not seen
    t.add(200, sample(page(20, 40, 1980, 1700, 55, 60))); // in force at from=250
    t.add(300, sample(page(80, 100, 1500, 1410, 70, 83)));
    t.add(900, sample(page(0, 0, 600, 600, 90, 90))); // after the window: not seen

    assertThat(GpuAggregate.over(t, 250, 400, DcgmSample.Values::gpuUtil, Reduce.AVG))
        .as("mean of the per-sample means 0.3 and 0.9")
        .isCloseTo(0.6, within(1e-9));
    assertThat(GpuAggregate.over(t, 250, 400, DcgmSample.Values::smClock, Reduce.MIN))
        .isEqualTo(1410);
    assertThat(GpuAggregate.over(t, 250, 400, DcgmSample.Values::smClock, Reduce.MAX))
        .isEqualTo(1980);
    assertThat(GpuAggregate.over(t, 250, 400, DcgmSample.Values::gpuTemp, Reduce.MAX))
        .isEqualTo(83);
  }

  @Test
  void overAWindowWithNothingReportedIsNaN() {
    Timeline<DcgmSample> t = new Timeline<>(4);

    assertThat(GpuAggregate.over(t, 0, 10, DcgmSample.Values::gpuUtil, Reduce.AVG))
        .as("no sample at all")
        .isNaN();
    t.add(5, sample(page(40, 90, 1980, 1410, 61, 74)));
    assertThat(GpuAggregate.over(t, 0, 10, DcgmSample.Values::tensorActive, Reduce.AVG))
        .as("samples, but none with the field")
        .isNaN();
  }
}
