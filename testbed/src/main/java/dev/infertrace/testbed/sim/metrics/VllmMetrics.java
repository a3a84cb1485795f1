package dev.infertrace.testbed.sim.metrics;

import dev.infertrace.core.schema.MetricNames;
import dev.infertrace.testbed.sim.engine.FinishedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * vLLM V1's Prometheus metrics for one engine: the names, types, labels ({@code model_name}, {@code
 * engine="0"}) and histogram buckets of vLLM's {@code PrometheusStatLogger}, with values from the
 * twin's engine. See {@code src/docs/vllm-twin-metrics.md}.
 *
 * <p>The {@code observe}/{@code on} methods are called by the engine thread and do not allocate;
 * {@link #render} may run on any thread at the same time.
 */
public final class VllmMetrics {
  static final double[] TTFT_BUCKETS = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0, 2560.0
  };
  static final double[] TOKEN_TIME_BUCKETS = {
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
    40.0, 80.0
  };
  static final double[] REQUEST_LATENCY_BUCKETS = {
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
    480.0, 960.0, 1920.0, 7680.0
  };
  static final double[] N_BUCKETS = {1, 2, 5, 10, 20};
  static final String[] FINISH_REASONS = {"stop", "length", "abort"};

  private final EngineGauges gauges;
  private final String labels;
  private final String cacheConfigLabels;

  private final AtomicLong promptTokens = new AtomicLong();
  private final AtomicLong generationTokens = new AtomicLong();
  private final AtomicLong preemptions = new AtomicLong();
  private final AtomicLong prefixQueries = new AtomicLong();
  private final AtomicLong prefixHits = new AtomicLong();
  private final AtomicLong[] success = new AtomicLong[FINISH_REASONS.length];

  private final FixedHistogram ttft = new FixedHistogram(TTFT_BUCKETS);
  private final FixedHistogram itl = new FixedHistogram(TOKEN_TIME_BUCKETS);
  private final FixedHistogram requestTpot = new FixedHistogram(TOKEN_TIME_BUCKETS);
  private final FixedHistogram e2e = new FixedHistogram(REQUEST_LATENCY_BUCKETS);
  private final FixedHistogram queue = new FixedHistogram(REQUEST_LATENCY_BUCKETS);
  private final FixedHistogram prefill = new FixedHistogram(REQUEST_LATENCY_BUCKETS);
  private final FixedHistogram decode = new FixedHistogram(REQUEST_LATENCY_BUCKETS);
  private final FixedHistogram inference = new FixedHistogram(REQUEST_LATENCY_BUCKETS);
  private final FixedHistogram promptTokensPerRequest;
  private final FixedHistogram generationTokensPerRequest;
  private final FixedHistogram maxTokensParam;
  private final FixedHistogram maxGenerationTokens;
  private final FixedHistogram nParam = new FixedHistogram(N_BUCKETS);

  /**
   * @param modelName the {@code model_name} label
   * @param gauges the engine's live state
   * @param cacheConfig labels of {@code vllm:cache_config_info} (block_size, num_gpu_blocks, ...)
   * @param maxModelLen the engine's context length: the token-count histograms' buckets are 1, 2,
   *     5, 10, ... up to it, as vLLM builds them
   */
  public VllmMetrics(
      String modelName, EngineGauges gauges, Map<String, String> cacheConfig, int maxModelLen) {
    this.gauges = gauges;
    this.labels = "model_name=\"" + PrometheusWriter.escape(modelName) + "\",engine=\"0\"";
    StringBuilder info = new StringBuilder();
    for (Map.Entry<String, String> e : new TreeMap<>(cacheConfig).entrySet()) {
      info.append(e.getKey())
          .append("=\"")
          .append(PrometheusWriter.escape(e.getValue()))
          .append("\",");
    }
    this.cacheConfigLabels = info.append("engine=\"0\"").toString();
    for (int i = 0; i < success.length; i++) {
      success[i] = new AtomicLong();
    }
    double[] counts = oneTwoFive(maxModelLen);
    promptTokensPerRequest = new FixedHistogram(counts);
    generationTokensPerRequest = new FixedHistogram(counts);
    maxTokensParam = new FixedHistogram(counts);
    maxGenerationTokens = new FixedHistogram(counts);
  }

  /** A request produced its first token {@code seconds} after arrival. */
  public void observeTimeToFirstToken(double seconds) {
    ttft.observe(seconds);
  }

  /** A request produced a token {@code seconds} after its previous one. */
  public void observeInterTokenLatency(double seconds) {
    itl.observe(seconds);
  }

  /** Prompt tokens computed (prefill), as counted by {@code vllm:prompt_tokens_total}. */
  public void onPromptTokens(int tokens) {
    promptTokens.addAndGet(tokens);
  }

  /** Output tokens generated. */
  public void onGenerationTokens(int tokens) {
    generationTokens.addAndGet(tokens);
  }

  /** A prefix-cache lookup of {@code queriedTokens} found {@code hitTokens}. */
  public void onPrefixCacheQuery(int queriedTokens, int hitTokens) {
    prefixQueries.addAndGet(queriedTokens);
    prefixHits.addAndGet(hitTokens);
  }

  /** A running request was preempted. */
  public void onPreemption() {
    preemptions.incrementAndGet();
  }

  /** A request finished (stop, length or abort). */
  public void onFinished(FinishedRequest r) {
    for (int i = 0; i < FINISH_REASONS.length; i++) {
      if (FINISH_REASONS[i].equals(r.finishReason())) {
        success[i].incrementAndGet();
      }
    }
    e2e.observe(FinishedRequest.seconds(r.arrivalNanos(), r.finishedNanos()));
    // As vLLM: phases that did not happen (an abort in the queue) count as zero.
    long scheduled = r.scheduledNanos() == 0 ? r.finishedNanos() : r.scheduledNanos();
    queue.observe(FinishedRequest.seconds(r.queuedNanos(), scheduled));
    if (r.hasFirstToken()) {
      prefill.observe(FinishedRequest.seconds(r.scheduledNanos(), r.firstTokenNanos()));
      decode.observe(FinishedRequest.seconds(r.firstTokenNanos(), r.lastTokenNanos()));
      inference.observe(FinishedRequest.seconds(r.scheduledNanos(), r.lastTokenNanos()));
      if (r.completionTokens() > 1) {
        requestTpot.observe(
            FinishedRequest.seconds(r.firstTokenNanos(), r.lastTokenNanos())
                / (r.completionTokens() - 1));
      }
    } else {
      prefill.observe(0);
      decode.observe(0);
      inference.observe(0);
    }
    promptTokensPerRequest.observe(r.promptTokens());
    generationTokensPerRequest.observe(r.completionTokens());
    maxGenerationTokens.observe(r.maxTokens() == null ? r.completionTokens() : r.maxTokens());
    if (r.maxTokens() != null) {
      maxTokensParam.observe(r.maxTokens());
    }
    nParam.observe(r.n());
  }

  /** Appends the Prometheus text exposition (format 0.0.4). */
  public void render(StringBuilder sb) {
    PrometheusWriter out = new PrometheusWriter(sb);
    gauge(
        out,
        MetricNames.Vllm.NUM_REQUESTS_RUNNING,
        "Requests in the running batch.",
        gauges.running());
    gauge(
        out,
        MetricNames.Vllm.NUM_REQUESTS_WAITING,
        "Requests in the waiting queue.",
        gauges.waiting());
    gauge(
        out,
        MetricNames.Vllm.KV_CACHE_USAGE_PERC,
        "Fraction of KV-cache blocks in use (1 is all of them).",
        gauges.kvCacheUsage());
    counter(
        out,
        "vllm:prefix_cache_queries",
        "Prompt tokens looked up in the prefix cache.",
        prefixQueries);
    counter(out, "vllm:prefix_cache_hits", "Prompt tokens found in the prefix cache.", prefixHits);
    counter(out, "vllm:num_preemptions", "Requests preempted by the scheduler.", preemptions);
    counter(out, "vllm:prompt_tokens", "Prompt tokens prefilled.", promptTokens);
    counter(out, "vllm:generation_tokens", "Output tokens generated.", generationTokens);
    out.family("vllm:request_success_total", "counter", "Finished requests, by finish reason.");
    for (int i = 0; i < FINISH_REASONS.length; i++) {
      out.sample(
          "vllm:request_success_total",
          labels + ",finished_reason=\"" + FINISH_REASONS[i] + "\"",
          success[i].get());
    }
    List<Object[]> histograms = new ArrayList<>();
    histograms.add(
        new Object[] {
          "vllm:request_prompt_tokens", "Prompt tokens per request.", promptTokensPerRequest
        });
    histograms.add(
        new Object[] {
          "vllm:request_generation_tokens", "Output tokens per request.", generationTokensPerRequest
        });
    histograms.add(
        new Object[] {
          "vllm:request_max_num_generation_tokens",
          "Most output tokens a request asked for.",
          maxGenerationTokens
        });
    histograms.add(new Object[] {"vllm:request_params_n", "The n parameter of requests.", nParam});
    histograms.add(
        new Object[] {
          "vllm:request_params_max_tokens", "The max_tokens parameter of requests.", maxTokensParam
        });
    histograms.add(
        new Object[] {
          "vllm:time_to_first_token_seconds", "Arrival to first token, seconds.", ttft
        });
    histograms.add(
        new Object[] {
          "vllm:inter_token_latency_seconds", "Gap between consecutive output tokens, seconds.", itl
        });
    histograms.add(
        new Object[] {
          "vllm:request_time_per_output_token_seconds",
          "Decode time over output tokens after the first, per request, seconds.",
          requestTpot
        });
    histograms.add(
        new Object[] {"vllm:e2e_request_latency_seconds", "Arrival to finish, seconds.", e2e});
    histograms.add(
        new Object[] {
          "vllm:request_queue_time_seconds", "Time in the waiting queue, seconds.", queue
        });
    histograms.add(
        new Object[] {
          "vllm:request_inference_time_seconds", "Scheduled to last token, seconds.", inference
        });
    histograms.add(
        new Object[] {
          "vllm:request_prefill_time_seconds", "Scheduled to first token, seconds.", prefill
        });
    histograms.add(
        new Object[] {"vllm:request_decode_time_seconds", "First to last token, seconds.", decode});
    for (Object[] h : histograms) {
      out.family((String) h[0], "histogram", (String) h[1]);
      ((FixedHistogram) h[2]).write(out, (String) h[0], labels);
    }
    out.family("vllm:cache_config_info", "gauge", "The engine's KV-cache configuration.");
    out.sample("vllm:cache_config_info", cacheConfigLabels, 1.0);
    // vLLM writes this one only with --enable-lora; the Endpoint Picker reads it on every scrape
    // and logs an error each time it is missing. The twin serves no adapters: no LoRA slots, none
    // running or waiting; the value is when the set last changed (vLLM's is time.time()). Its
    // labels
    // are vLLM's for this gauge: neither model_name nor engine.
    out.family("vllm:lora_requests_info", "gauge", "Running stats on lora requests.");
    out.sample(
        "vllm:lora_requests_info",
        "max_lora=\"0\",waiting_lora_adapters=\"\",running_lora_adapters=\"\"",
        STARTED_SECONDS);
  }

  /** When the twin started, in Unix seconds: its LoRA set (empty) last changed then. */
  private static final double STARTED_SECONDS = System.currentTimeMillis() / 1000.0;

  private void gauge(PrometheusWriter out, String name, String help, double value) {
    out.family(name, "gauge", help);
    out.sample(name, labels, value);
  }

  private void counter(PrometheusWriter out, String name, String help, AtomicLong value) {
    out.family(name + "_total", "counter", help);
    out.sample(name + "_total", labels, value.get());
  }

  /** 1, 2, 5, 10, 20, 50, ... up to {@code max}, as vLLM's build_1_2_5_buckets. */
  static double[] oneTwoFive(int max) {
    List<Double> out = new ArrayList<>();
    for (long scale = 1; ; scale *= 10) {
      for (int m : new int[] {1, 2, 5}) {
        if (m * scale > max) {
          return out.stream().mapToDouble(Double::doubleValue).toArray();
        }
        out.add((double) (m * scale));
      }
    }
  }
}
