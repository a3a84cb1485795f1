package dev.infertrace.testbed.sim;

import dev.infertrace.testbed.e2e.TracedStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The streaming client contract through ingress → worker → twin: the proxy changes nothing. */
class ProxiedTwinStreamingContractTest extends StreamingClientContract {
  private static TracedStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = new TracedStack(SimTestConfigs.fast("contract-model"));
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Override
  String baseUrl() {
    return stack.ingress.baseUrl();
  }

  @Override
  String model() {
    return "contract-model";
  }
}
