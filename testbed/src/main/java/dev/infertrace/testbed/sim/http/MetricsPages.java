package dev.infertrace.testbed.sim.http;

import dev.infertrace.testbed.sim.gpu.GpuSet;
import dev.infertrace.testbed.sim.metrics.VllmMetrics;

/** Renders the two Prometheus pages: the engine's (vLLM) and the GPUs' (dcgm-exporter). */
final class MetricsPages {
  private final VllmMetrics vllm;
  private final GpuSet gpus;

  MetricsPages(VllmMetrics vllm, GpuSet gpus) {
    this.vllm = vllm;
    this.gpus = gpus;
  }

  String vllm() {
    StringBuilder out = new StringBuilder(16 * 1024);
    vllm.render(out);
    return out.toString();
  }

  String dcgm() {
    StringBuilder out = new StringBuilder(8 * 1024);
    gpus.render(out);
    return out.toString();
  }
}
