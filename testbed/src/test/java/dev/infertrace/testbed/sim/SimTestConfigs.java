package dev.infertrace.testbed.sim;

import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;

/** Twin configurations for tests. */
final class SimTestConfigs {
  private SimTestConfigs() {}

  /** Loopback, free ports, fast steps (1 ms floor), small KV cache. */
  static SimConfig fast(String model) {
    return with(
        SimConfig.loopback(model),
        new EngineConfig(
            64, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(1.0, 0.01, 0.0, 0.005)));
  }

  static SimConfig with(SimConfig c, EngineConfig engine) {
    return new SimConfig(
        c.api(),
        c.dcgm(),
        c.http(),
        engine,
        c.gpus(),
        c.dcgmInterval(),
        c.hostname(),
        c.pod(),
        c.namespace(),
        c.container(),
        c.otlpTracesEndpoint(),
        c.otlpTracesProtocol(),
        c.faults());
  }
}
