package dev.infertrace.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  @Test
  void readsDcgmExporterLinesWithTheirLabelOrder() {
    Exposition e =
        PrometheusText.parse(
            "# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).\n"
                + "# TYPE DCGM_FI_DEV_SM_CLOCK gauge\n"
                + "DCGM_FI_DEV_SM_CLOCK{gpu=\"0\",UUID=\"GPU-a8\",pci_bus_id=\"00000000:00:02.0\","
                + "device=\"nvidia0\",modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"node-1\"} 1980\n"
                + "DCGM_FI_DEV_GPU_TEMP{gpu=\"0\"} 40.979000\n");

    assertThat(e.problems()).isEmpty();
    assertThat(e.types()).containsEntry("DCGM_FI_DEV_SM_CLOCK", "gauge");
    MetricSample clock = e.samples("DCGM_FI_DEV_SM_CLOCK").get(0);
    assertThat(clock.labels().keySet())
        .containsExactly("gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname");
    assertThat(clock.value()).isEqualTo(1980);
    assertThat(e.value("DCGM_FI_DEV_GPU_TEMP", "gpu", "0")).isEqualTo(40.979);
  }

  @Test
  void readsHistogramsAndMapsSamplesToTheirFamily() {
    Exposition e =
        PrometheusText.parse(
            "# TYPE vllm:e2e_request_latency_seconds histogram\n"
                + "vllm:e2e_request_latency_seconds_bucket{le=\"0.3\",model_name=\"m\"} 1.0\n"
                + "vllm:e2e_request_latency_seconds_bucket{le=\"+Inf\",model_name=\"m\"} 2.0\n"
                + "vllm:e2e_request_latency_seconds_count{model_name=\"m\"} 2.0\n"
                + "# TYPE vllm:prompt_tokens counter\n"
                + "vllm:prompt_tokens_total{model_name=\"m\"} 7.0 1712345678000\n");

    assertThat(e.problems()).isEmpty();
    assertThat(e.familyOf("vllm:e2e_request_latency_seconds_bucket"))
        .isEqualTo("vllm:e2e_request_latency_seconds");
    assertThat(e.familyOf("vllm:prompt_tokens_total")).isEqualTo("vllm:prompt_tokens");
    assertThat(e.value("vllm:e2e_request_latency_seconds_bucket", "le", "+Inf")).isEqualTo(2);
    assertThat(e.value("vllm:prompt_tokens_total")).isEqualTo(7);
  }

  @Test
  void unescapesLabelValues() {
    Exposition e = PrometheusText.parse("m{a=\"x\\\"y\\\\z\\n\"} 1\n");

    assertThat(e.samples("m").get(0).label("a")).isEqualTo("x\"y\\z\n");
  }

  @Test
  void reportsMalformedLinesAndKeepsTheRest() {
    Exposition e =
        PrometheusText.parse(
            "ok 1\n"
                + "bad{a=\"1\" 2\n"
                + "9name 3\n"
                + "v{a=\"1\"} notanumber\n"
                + "dup{a=\"1\",a=\"2\"} 1\n"
                + "# TYPE ok gauge\n"
                + "# TYPE t sometype\n");

    assertThat(e.samples()).extracting(MetricSample::name).containsExactly("ok");
    assertThat(e.problems())
        .containsExactly(
            "line 2: expected ',' or '}' after label a: bad{a=\"1\" 2",
            "line 3: invalid metric name '9name': 9name 3",
            "line 4: invalid value 'notanumber': v{a=\"1\"} notanumber",
            "line 5: label a given twice: dup{a=\"1\",a=\"2\"} 1",
            "line 6: TYPE for ok after its samples",
            "line 7: unknown TYPE 'sometype' for t");
  }

  @Test
  void dropsTheDcgmBlankSentinel() {
    Exposition e = PrometheusText.parse("DCGM_FI_DEV_XID_ERRORS{gpu=\"0\"} 9223372036854775794\n");

    assertThat(e.samples()).isEmpty();
  }

  @Test
  void valueSaysWhatWasThereWhenTheSampleIsNotUnique() {
    Exposition e = PrometheusText.parse("m{a=\"1\"} 1\nm{a=\"2\"} 2\n");

    assertThatThrownBy(() -> e.value("m"))
        .hasMessageStartingWith("expected one sample m with , found 2");
    assertThat(e.value("m", "a", "2")).isEqualTo(2);
  }

  @Test
  void skipsOpenMetricsExemplarsAndEof() {
    Exposition e =
        PrometheusText.parse(
            "# TYPE h histogram\n# UNIT h seconds\n"
                + "h_bucket{le=\"0.1\"} 3 # {trace_id=\"abc\"} 0.087 1700000000.5\n# EOF\n");

    assertThat(e.problems()).isEmpty();
    assertThat(e.value("h_bucket", "le", "0.1")).isEqualTo(3);
  }
}
