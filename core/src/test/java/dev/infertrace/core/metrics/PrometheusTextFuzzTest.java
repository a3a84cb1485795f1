package dev.infertrace.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A million mutated exporter pages: whatever the bytes, the parser returns a result (samples and
 * counted problems) and never throws. Seeded, so a failure reproduces.
 */
class PrometheusTextFuzzTest {
  private static final String[] SEEDS = {
    "# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).\n# TYPE DCGM_FI_DEV_SM_CLOCK gauge\n"
        + "DCGM_FI_DEV_SM_CLOCK{gpu=\"0\",UUID=\"GPU-a8\",pci_bus_id=\"00000000:00:02.0\",device=\"nvidia0\","
        + "modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"node-1\",DCGM_FI_DRIVER_VERSION=\"580.95.05\"} 1980\n",
    "# TYPE vllm:e2e_request_latency_seconds histogram\n"
        + "vllm:e2e_request_latency_seconds_bucket{le=\"0.3\",model_name=\"m\",engine=\"0\"} 1.0\n"
        + "vllm:e2e_request_latency_seconds_sum{model_name=\"m\",engine=\"0\"} 0.25\n"
        + "vllm:num_requests_waiting{model_name=\"a\\\"b\",engine=\"0\"} NaN\n",
    "h_bucket{le=\"+Inf\"} 3 # {trace_id=\"abc\"} 0.087 1700000000.5\n# EOF\n"
  };
  private static final byte[] NASTY =
      "{}\",=\\# \n\t+-.eE9NaInf".getBytes(StandardCharsets.US_ASCII);

  @Test
  void nothingEscapesButAResult() {
    SplittableRandom random = new SplittableRandom(20261122);
    long samples = 0;
    long problems = 0;
    for (int i = 0; i < 1_000_000; i++) {
      byte[] b = SEEDS[i % SEEDS.length].getBytes(StandardCharsets.UTF_8);
      int mutations = 1 + random.nextInt(4);
      for (int m = 0; m < mutations; m++) {
        int at = random.nextInt(b.length);
        b[at] =
            random.nextBoolean() ? NASTY[random.nextInt(NASTY.length)] : (byte) random.nextInt(256);
      }
      Exposition e = PrometheusText.parse(new String(b, StandardCharsets.UTF_8));
      samples += e.samples().size();
      problems += e.problems().size();
    }
    assertThat(samples).as("most mutations leave some samples readable").isPositive();
    assertThat(problems).as("and the broken lines are counted").isPositive();
  }
}
