package dev.infertrace.testbed.sim;

import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;

/** Twin configurations for tests. */
final class SimTestConfigs {
  private SimTestConfigs() {}

  /** Loopback, free ports, fast steps (1 ms floor), small KV cache. */
  static SimConfig fast(String model) {
    return SimConfig.loopback(model)
        .withEngine(
            new EngineConfig(
                64, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(1.0, 0.01, 0.0, 0.005)));
  }
}
