package dev.infertrace.testbed.sim;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The streaming client contract against the twin. */
class SimStreamingContractTest extends StreamingClientContract {
  private static Sim sim;

  @BeforeAll
  static void start() throws Exception {
    sim = Sim.start(SimTestConfigs.fast("contract-model"));
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @Override
  String baseUrl() {
    return sim.baseUrl();
  }

  @Override
  String model() {
    return "contract-model";
  }
}
