package dev.infertrace.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.gpu.ClocksEventReasons;
import dev.infertrace.core.gpu.DcgmSample;
import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.PrometheusText;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each fault shows in latency and in the GPU's metrics together, as on real hardware. */
class SimFaultEffectsTest {
  private Sim sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private OpenAiClient start(EngineConfig engine) throws Exception {
    sim = Sim.start(SimConfig.loopback("m").withEngine(engine).withGpus(1, Duration.ofMillis(50)));
    return new OpenAiClient(sim.baseUrl());
  }

  @Test
  void thermalThrottleSlowsDecodeAndLowersTheSmClock() throws Exception {
    OpenAiClient client =
        start(new EngineConfig(8, 2048, 16, 2048, 4096, true, 10, new StepTimeModel(4, 0, 0, 0)));
    String body = "{\"prompt\":\"hot\",\"max_tokens\":25,\"ignore_eos\":true,\"stream\":true}";

    double normalGap = meanTokenGapMillis(client.stream("/v1/completions", body));
    double normalClock = dcgm().value("DCGM_FI_DEV_SM_CLOCK", "gpu", "0");
    sim.faults().add(FaultSpec.parse("thermal-throttle:smClockMhz=990"));
    double throttledGap = meanTokenGapMillis(client.stream("/v1/completions", body));
    Exposition hot = awaitDcgm(e -> e.value("DCGM_FI_DEV_SM_CLOCK", "gpu", "0") == 990);

    assertThat(normalClock).isEqualTo(1980);
    // Half the clock, twice the step time (4 ms -> 8 ms); generous bounds for a shared machine.
    assertThat(throttledGap).isGreaterThan(normalGap * 1.5).isGreaterThan(7.0);
    assertThat(hot.value("DCGM_FI_DEV_SM_CLOCK", "gpu", "0")).isEqualTo(990);

    // Throttled, not slow: the page says why the clock is below its maximum.
    DcgmSample.Values throttled = gpu0(hot);
    assertThat(throttled.smClock()).isLessThan(throttled.maxSmClock());
    assertThat(throttled.maxSmClock()).isEqualTo(1980);
    assertThat(reasons(throttled)).contains("hw_thermal_slowdown", "sw_thermal_slowdown");
    double violation =
        awaitDcgm(e -> e.value("DCGM_FI_DEV_THERMAL_VIOLATION", "gpu", "0") > 0)
            .value("DCGM_FI_DEV_THERMAL_VIOLATION", "gpu", "0");

    sim.faults().clear();
    Exposition cool = awaitDcgm(e -> e.value("DCGM_FI_DEV_SM_CLOCK", "gpu", "0") == 1980);

    assertThat(reasons(gpu0(cool))).doesNotContain("hw_thermal_slowdown", "sw_thermal_slowdown");
    assertThat(cool.value("DCGM_FI_DEV_THERMAL_VIOLATION", "gpu", "0"))
        .as("a counter keeps the throttled time")
        .isGreaterThanOrEqualTo(violation);
  }

  private static DcgmSample.Values gpu0(Exposition page) {
    return DcgmSample.of(page, null, null, Set.of()).byUuid().values().iterator().next();
  }

  private static List<String> reasons(DcgmSample.Values v) {
    return ClocksEventReasons.names((long) v.clocksEventReasons());
  }

  @Test
  void kvPressureQueuesRequestsAndShowsInTheVllmMetrics() throws Exception {
    OpenAiClient client =
        start(new EngineConfig(8, 2048, 16, 64, 4096, true, 10, new StepTimeModel(1, 0, 0, 0)));
    sim.faults().add(FaultSpec.parse("kv-pressure:blocksFraction=1"));
    List<CompletableFuture<OpenAiClient.Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String body = "{\"prompt\":\"request " + i + "\",\"max_tokens\":4}";
      replies.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return client.post("/v1/completions", body);
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              }));
    }

    Exposition queued =
        awaitVllm(e -> e.value("vllm:num_requests_waiting", "model_name", "m") == 3);
    sim.faults().clear();

    assertThat(queued.value("vllm:kv_cache_usage_perc", "model_name", "m")).isEqualTo(1.0);
    assertThat(queued.value("vllm:num_requests_running", "model_name", "m")).isZero();
    for (CompletableFuture<OpenAiClient.Reply> reply : replies) {
      assertThat(reply.get().status()).as("served once the pressure is gone").isEqualTo(200);
    }
  }

  @Test
  void aStallStopsTokensAndReportsAnXidError() throws Exception {
    OpenAiClient client =
        start(new EngineConfig(8, 2048, 16, 2048, 4096, true, 10, new StepTimeModel(1, 0, 0, 0)));
    sim.faults().add(FaultSpec.parse("stall:durationSeconds=0.6,xid=43"));

    OpenAiClient.Stream s =
        client.stream(
            "/v1/completions",
            "{\"prompt\":\"x\",\"max_tokens\":3,\"ignore_eos\":true,\"stream\":true}");
    Exposition after = awaitDcgm(e -> e.value("DCGM_FI_DEV_XID_ERRORS", "gpu", "0") == 43);

    assertThat((s.events().get(0).arrivedNanos() - s.sentNanos()) / 1e6)
        .as("first token waits out the stall")
        .isGreaterThan(400);
    assertThat(after.value("DCGM_FI_DEV_XID_ERRORS", "gpu", "0")).isEqualTo(43);
  }

  private static double meanTokenGapMillis(OpenAiClient.Stream s) {
    List<OpenAiClient.Event> tokens = s.events().stream().filter(e -> !e.isDone()).toList();
    long span = tokens.get(tokens.size() - 1).arrivedNanos() - tokens.get(0).arrivedNanos();
    return span / 1e6 / (tokens.size() - 1);
  }

  private Exposition dcgm() throws Exception {
    return scrape("http://127.0.0.1:" + sim.dcgmAddress().getPort());
  }

  private Exposition awaitDcgm(Predicate<Exposition> ready) throws Exception {
    return await(this::dcgm, ready);
  }

  private Exposition awaitVllm(Predicate<Exposition> ready) throws Exception {
    return await(() -> scrape(sim.baseUrl()), ready);
  }

  private interface Scrape {
    Exposition get() throws Exception;
  }

  private static Exposition await(Scrape scrape, Predicate<Exposition> ready) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    Exposition last = null;
    while (System.nanoTime() < deadline) {
      last = scrape.get();
      assertThat(last.problems()).isEmpty();
      try {
        if (ready.test(last)) {
          return last;
        }
      } catch (IllegalStateException notYet) {
        // the series is not there yet
      }
      Thread.sleep(20);
    }
    throw new AssertionError("condition not met within 10 s; last scrape: " + last.samples());
  }

  private static Exposition scrape(String base) throws Exception {
    OpenAiClient.Reply reply = new OpenAiClient(base).get("/metrics");
    assertThat(reply.status()).isEqualTo(200);
    return PrometheusText.parse(reply.body());
  }
}
