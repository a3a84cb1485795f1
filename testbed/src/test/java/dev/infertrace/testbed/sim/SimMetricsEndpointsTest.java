package dev.infertrace.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.MetricSample;
import dev.infertrace.core.metrics.PrometheusText;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Both /metrics pages of a live twin parse as Prometheus text with vLLM's and DCGM's names. */
class SimMetricsEndpointsTest {

  @Test
  void servesVllmAndDcgmPagesWithTheirExactNamesAndLabels() throws Exception {
    try (Sim sim = Sim.start(SimTestConfigs.fast("page-model"))) {
      OpenAiClient client = new OpenAiClient(sim.baseUrl());
      // The engine records a request's metrics before it answers, so they are in once it has.
      client.post("/v1/completions", "{\"prompt\":\"fill the histograms\",\"max_tokens\":5}");

      OpenAiClient.Reply vllmPage = client.get("/metrics");
      OpenAiClient.Reply dcgmPage =
          new OpenAiClient("http://127.0.0.1:" + sim.dcgmAddress().getPort()).get("/metrics");

      assertThat(vllmPage.headers().get("content-type"))
          .containsExactly("text/plain; version=0.0.4; charset=utf-8");
      Exposition vllm = PrometheusText.parse(vllmPage.body());
      assertThat(vllm.problems()).isEmpty();
      assertThat(vllm.types().keySet())
          .containsAll(
              Set.of(
                  "vllm:num_requests_running",
                  "vllm:num_requests_waiting",
                  "vllm:kv_cache_usage_perc",
                  "vllm:prompt_tokens_total",
                  "vllm:generation_tokens_total",
                  "vllm:request_success_total",
                  "vllm:num_preemptions_total",
                  "vllm:prefix_cache_queries_total",
                  "vllm:prefix_cache_hits_total",
                  "vllm:time_to_first_token_seconds",
                  "vllm:inter_token_latency_seconds",
                  "vllm:request_time_per_output_token_seconds",
                  "vllm:e2e_request_latency_seconds",
                  "vllm:request_queue_time_seconds",
                  "vllm:request_prefill_time_seconds",
                  "vllm:request_decode_time_seconds",
                  "vllm:request_inference_time_seconds",
                  "vllm:cache_config_info"));
      assertThat(vllm.value("vllm:generation_tokens_total", "model_name", "page-model"))
          .isEqualTo(5);
      assertThat(vllm.value("vllm:e2e_request_latency_seconds_count")).isEqualTo(1);
      for (MetricSample s : vllm.samples()) {
        if (s.name().equals("vllm:lora_requests_info")) {
          continue; // vLLM's labels for it: max_lora and the adapters, no engine (VllmMetricsTest)
        }
        assertThat(s.labels()).containsEntry("engine", "0");
        if (!s.name().equals("vllm:cache_config_info")) {
          assertThat(s.label("model_name")).isEqualTo("page-model");
        }
      }

      Exposition dcgm = PrometheusText.parse(dcgmPage.body());
      assertThat(dcgm.problems()).isEmpty();
      assertThat(dcgm.types().keySet())
          .contains(
              "DCGM_FI_DEV_GPU_UTIL",
              "DCGM_FI_DEV_SM_CLOCK",
              "DCGM_FI_DEV_GPU_TEMP",
              "DCGM_FI_DEV_POWER_USAGE",
              "DCGM_FI_DEV_FB_USED",
              "DCGM_FI_DEV_XID_ERRORS",
              "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
              "DCGM_FI_DEV_MAX_SM_CLOCK",
              "DCGM_FI_DEV_CLOCKS_EVENT_REASONS",
              "DCGM_FI_DEV_THERMAL_VIOLATION",
              "DCGM_FI_DEV_POWER_VIOLATION");
      for (MetricSample s : dcgm.samples()) {
        assertThat(s.labels().keySet())
            .startsWith(
                "gpu",
                "UUID",
                "pci_bus_id",
                "device",
                "modelName",
                "Hostname",
                "DCGM_FI_DRIVER_VERSION");
      }
    }
  }
}
