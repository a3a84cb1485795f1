package dev.infertrace.core.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.metrics.PrometheusText;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GpuSampleTest {
  private static final String PAGE =
      "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-a\",Hostname=\"n1\",pod=\"vllm-0\",namespace=\"llm\"} 40\n"
          + "DCGM_FI_DEV_SM_CLOCK{gpu=\"0\",UUID=\"GPU-a\",Hostname=\"n1\",pod=\"vllm-0\",namespace=\"llm\"} 1980\n"
          + "DCGM_FI_DEV_FB_USED{gpu=\"0\",UUID=\"GPU-a\",Hostname=\"n1\",pod=\"vllm-0\",namespace=\"llm\"} 2\n"
          + "DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",UUID=\"GPU-b\",hostname=\"n1\",pod=\"other\",namespace=\"llm\"} 90\n"
          + "DCGM_FI_DEV_XID_ERRORS{gpu=\"1\",UUID=\"GPU-b\",hostname=\"n1\"} 9223372036854775794\n";

  @Test
  void keepsThisPodsGpusInSpanUnits() {
    DcgmSample s = DcgmSample.of(PrometheusText.parse(PAGE), "vllm-0", "llm", Set.of());

    assertThat(s.byUuid()).containsOnlyKeys("GPU-a");
    DcgmSample.Values a = s.byUuid().get("GPU-a");
    assertThat(a.gpuUtil()).as("percent to ratio").isEqualTo(0.4);
    assertThat(a.smClock()).isEqualTo(1980);
    assertThat(a.fbUsedBytes()).as("MiB to bytes").isEqualTo(2 * 1024 * 1024);
    assertThat(a.gpuTemp()).as("not reported").isNaN();
  }

  @Test
  void uuidsWinOverThePodAndHostnameSpellingDoesNotMatter() {
    DcgmSample s = DcgmSample.of(PrometheusText.parse(PAGE), "vllm-0", null, Set.of("GPU-b"));

    assertThat(s.byUuid()).containsOnlyKeys("GPU-b");
    assertThat(s.byUuid().get("GPU-b").gpuUtil()).isEqualTo(0.9);
    assertThat(s.byUuid().get("GPU-b").xid())
        .as("the blank sentinel is missing, not a value")
        .isNaN();
  }

  @Test
  void readsRenamedFieldsThroughTheAliasTable() {
    String newNames =
        "DCGM_FI_DEV_GPU_UTIL_RATIO{gpu=\"0\",UUID=\"GPU-a\"} 0.25\n"
            + "DCGM_FI_DEV_SM_CLOCK_MHZ{gpu=\"0\",UUID=\"GPU-a\"} 1100\n";

    DcgmSample s =
        DcgmSample.of(
            PrometheusText.parse(newNames),
            null,
            null,
            Set.of(),
            Map.of(
                "DCGM_FI_DEV_GPU_UTIL_RATIO", "DCGM_FI_DEV_GPU_UTIL",
                "DCGM_FI_DEV_SM_CLOCK_MHZ", "DCGM_FI_DEV_SM_CLOCK"));

    assertThat(s.byUuid().get("GPU-a").gpuUtil()).as("already a ratio").isEqualTo(0.25);
    assertThat(s.byUuid().get("GPU-a").smClock()).isEqualTo(1100);
  }
}
