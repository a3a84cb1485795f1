package dev.infertrace.proxy.state;

import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.MetricSample;
import dev.infertrace.core.schema.MetricNames.Vllm;
import javax.annotation.Nullable;

/**
 * vLLM's engine gauges at one scrape (summed over engines when there are several), and its
 * preemption counter (NaN where the page has none).
 */
public record EngineSample(
    double waiting, double running, double kvCacheUsage, double preemptions) {

  /** The gauges alone. */
  public EngineSample(double waiting, double running, double kvCacheUsage) {
    this(waiting, running, kvCacheUsage, Double.NaN);
  }

  /** The gauges of a vLLM /metrics page, or null when it has none of them. */
  @Nullable
  public static EngineSample of(Exposition page) {
    double waiting = sum(page, Vllm.NUM_REQUESTS_WAITING);
    double running = sum(page, Vllm.NUM_REQUESTS_RUNNING);
    double kv = max(page, Vllm.KV_CACHE_USAGE_PERC);
    if (Double.isNaN(kv)) {
      kv = max(page, Vllm.GPU_CACHE_USAGE_PERC); // vLLM before 0.9
    }
    if (Double.isNaN(waiting) && Double.isNaN(running) && Double.isNaN(kv)) {
      return null;
    }
    return new EngineSample(waiting, running, kv, sum(page, Vllm.NUM_PREEMPTIONS_TOTAL));
  }

  private static double sum(Exposition page, String name) {
    double total = Double.NaN;
    for (MetricSample s : page.samples(name)) {
      total = Double.isNaN(total) ? s.value() : total + s.value();
    }
    return total;
  }

  private static double max(Exposition page, String name) {
    double m = Double.NaN;
    for (MetricSample s : page.samples(name)) {
      m = Double.isNaN(m) ? s.value() : Math.max(m, s.value());
    }
    return m;
  }
}
