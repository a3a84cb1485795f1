package dev.infertrace.testbed.sim.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.MetricSample;
import dev.infertrace.core.metrics.PrometheusText;
import dev.infertrace.testbed.sim.engine.FinishedRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VllmMetricsTest {
  private static final long S = 1_000_000_000L;

  private final EngineGauges gauges =
      new EngineGauges() {
        @Override
        public int running() {
          return 3;
        }

        @Override
        public int waiting() {
          return 2;
        }

        @Override
        public double kvCacheUsage() {
          return 0.25;
        }
      };

  private final VllmMetrics metrics =
      new VllmMetrics("m", gauges, Map.of("block_size", "16", "num_gpu_blocks", "100"), 8192);

  private static FinishedRequest finished(String reason, long first, long last, int tokens) {
    return new FinishedRequest(
        "r",
        "m",
        0,
        S / 10,
        S / 5,
        first,
        last,
        last == 0 ? S : last + S / 100,
        100,
        tokens,
        32,
        reason,
        64,
        null,
        null,
        1,
        0,
        null,
        null);
  }

  private Exposition render() {
    StringBuilder out = new StringBuilder();
    metrics.render(out);
    Exposition e = PrometheusText.parse(out.toString());
    assertThat(e.problems()).isEmpty();
    return e;
  }

  @Test
  void gaugesCountersAndFinishReasonsHaveVllmNamesAndLabels() {
    metrics.onPromptTokens(100);
    metrics.onGenerationTokens(7);
    metrics.onPrefixCacheQuery(100, 32);
    metrics.onPreemption();
    metrics.onFinished(finished("stop", S / 2, S, 11));
    metrics.onFinished(finished("abort", 0, 0, 0));

    Exposition e = render();

    assertThat(e.value("vllm:num_requests_running")).isEqualTo(3);
    assertThat(e.value("vllm:num_requests_waiting")).isEqualTo(2);
    assertThat(e.value("vllm:kv_cache_usage_perc")).isEqualTo(0.25);
    assertThat(e.value("vllm:prompt_tokens_total")).isEqualTo(100);
    assertThat(e.value("vllm:generation_tokens_total")).isEqualTo(7);
    assertThat(e.value("vllm:prefix_cache_queries_total")).isEqualTo(100);
    assertThat(e.value("vllm:prefix_cache_hits_total")).isEqualTo(32);
    assertThat(e.value("vllm:num_preemptions_total")).isEqualTo(1);
    assertThat(e.value("vllm:request_success_total", "finished_reason", "stop")).isEqualTo(1);
    assertThat(e.value("vllm:request_success_total", "finished_reason", "abort")).isEqualTo(1);
    assertThat(e.value("vllm:request_success_total", "finished_reason", "length")).isZero();
    for (MetricSample s : e.samples()) {
      assertThat(e.types()).containsKey(e.familyOf(s.name()));
      if (!s.name().equals("vllm:cache_config_info")
          && !s.name().equals("vllm:lora_requests_info")) {
        assertThat(s.labels().keySet()).startsWith("model_name", "engine");
        assertThat(s.label("engine")).isEqualTo("0");
      }
    }
    // What the Endpoint Picker reads on every scrape: no adapters, vLLM's three labels.
    assertThat(e.samples("vllm:lora_requests_info").get(0).labels())
        .containsOnlyKeys("max_lora", "waiting_lora_adapters", "running_lora_adapters")
        .containsEntry("max_lora", "0");
    assertThat(e.types()).containsEntry("vllm:prompt_tokens_total", "counter");
    assertThat(e.samples("vllm:cache_config_info").get(0).labels())
        .containsEntry("block_size", "16")
        .containsEntry("engine", "0");
  }

  @Test
  void histogramsUseVllmBucketsAndPlaceEachPhase() {
    // queued 0.1 s, scheduled 0.2 s, first token 0.5 s, last 1.0 s, 11 tokens.
    metrics.onFinished(finished("length", S / 2, S, 11));
    metrics.observeTimeToFirstToken(0.5);
    metrics.observeInterTokenLatency(0.05);

    Exposition e = render();

    assertThat(le(e, "vllm:time_to_first_token_seconds"))
        .containsExactly(
            "0.001", "0.005", "0.01", "0.02", "0.04", "0.06", "0.08", "0.1", "0.25", "0.5", "0.75",
            "1.0", "2.5", "5.0", "7.5", "10.0", "20.0", "40.0", "80.0", "160.0", "640.0", "2560.0",
            "+Inf");
    assertThat(e.value("vllm:time_to_first_token_seconds_bucket", "le", "0.25")).isZero();
    assertThat(e.value("vllm:time_to_first_token_seconds_bucket", "le", "0.5")).isEqualTo(1);
    assertThat(e.value("vllm:request_queue_time_seconds_sum")).isCloseTo(0.1, within());
    assertThat(e.value("vllm:request_prefill_time_seconds_sum")).isCloseTo(0.3, within());
    assertThat(e.value("vllm:request_decode_time_seconds_sum")).isCloseTo(0.5, within());
    assertThat(e.value("vllm:request_inference_time_seconds_sum")).isCloseTo(0.8, within());
    assertThat(e.value("vllm:request_time_per_output_token_seconds_sum")).isCloseTo(0.05, within());
    assertThat(e.value("vllm:e2e_request_latency_seconds_count")).isEqualTo(1);
    assertThat(e.value("vllm:inter_token_latency_seconds_bucket", "le", "0.05")).isEqualTo(1);
    assertThat(le(e, "vllm:request_prompt_tokens"))
        .startsWith("1.0", "2.0", "5.0", "10.0")
        .endsWith("5000.0", "+Inf");
    assertThat(e.value("vllm:request_params_max_tokens_bucket", "le", "50.0")).isZero();
    assertThat(e.value("vllm:request_params_max_tokens_bucket", "le", "100.0")).isEqualTo(1);
  }

  @Test
  void bucketsAreCumulativeAndCountIsTheInfBucket() {
    for (int i = 1; i <= 50; i++) {
      metrics.observeInterTokenLatency(i / 100.0);
    }

    Exposition e = render();

    List<MetricSample> buckets = e.samples("vllm:inter_token_latency_seconds_bucket");
    for (int i = 1; i < buckets.size(); i++) {
      assertThat(buckets.get(i).value()).isGreaterThanOrEqualTo(buckets.get(i - 1).value());
    }
    assertThat(e.value("vllm:inter_token_latency_seconds_count"))
        .isEqualTo(e.value("vllm:inter_token_latency_seconds_bucket", "le", "+Inf"))
        .isEqualTo(50);
  }

  @Test
  void modelNamesAreEscapedInLabels() {
    VllmMetrics odd = new VllmMetrics("a\"b\\c", gauges, Map.of(), 16);
    StringBuilder out = new StringBuilder();
    odd.render(out);

    Exposition e = PrometheusText.parse(out.toString());

    assertThat(e.problems()).isEmpty();
    assertThat(e.samples("vllm:num_requests_running").get(0).label("model_name"))
        .isEqualTo("a\"b\\c");
  }

  private static List<String> le(Exposition e, String family) {
    return e.samples(family + "_bucket").stream().map(s -> s.label("le")).toList();
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }
}
