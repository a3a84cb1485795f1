package dev.infertrace.proxy.state;

import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.MetricSample;
import javax.annotation.Nullable;

/** vLLM's engine gauges at one scrape (summed over engines when there are several). */
public record EngineSample(double waiting, double running, double kvCacheUsage) {

  /** The gauges of a vLLM /metrics page, or null when it has none of them. */
  @Nullable
  public static EngineSample of(Exposition page) {
    double waiting = sum(page, "vllm:num_requests_waiting");
    double running = sum(page, "vllm:num_requests_running");
    double kv = max(page, "vllm:kv_cache_usage_perc");
    if (Double.isNaN(kv)) {
      kv = max(page, "vllm:gpu_cache_usage_perc"); // vLLM before 0.9
    }
    if (Double.isNaN(waiting) && Double.isNaN(running) && Double.isNaN(kv)) {
      return null;
    }
    return new EngineSample(waiting, running, kv);
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
