package dev.infertrace.testbed.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

  private static LoadConfig config(URI url, Duration duration, long requests, boolean stream) {
    return new LoadConfig(url, "m", 4, duration, requests, 30, 10, 10, 10, stream, 7);
  }

  @Test
  void countsEveryTokenChunkAndTimesEveryRequestAgainstTheTwin() throws Exception {
    try (Sim sim =
        Sim.start(
            SimConfig.loopback("m")
                .withEngine(
                    new EngineConfig(
                        64, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(1, 0, 0, 0))))) {
      List<Duration> progress = new ArrayList<>();
      LoadStats stats =
          new LoadGenerator(config(URI.create(sim.baseUrl()), Duration.ZERO, 20, true), 1)
              .run(progress::add);
      LoadStats.Interval totals = totalsOf(stats);

      assertThat(stats.ok()).isEqualTo(20);
      assertThat(stats.failed()).isZero();
      assertThat(stats.chunks())
          .as("10 tokens each, role and usage chunks not counted")
          .isEqualTo(200);
      assertThat(totals.ttft().getTotalCount()).isEqualTo(20);
      assertThat(totals.itl().getTotalCount()).isEqualTo(180);
      assertThat(totals.e2e().getTotalCount()).isEqualTo(20);
      assertThat(progress).isNotEmpty();
    }
  }

  @Test
  void anOpenLoopRateNeverSendsAheadOfItsSchedule() throws Exception {
    try (dev.infertrace.testbed.bench.BenchUpstream up =
        dev.infertrace.testbed.bench.BenchUpstream.start(1, 1, 1000)) {
      LoadStats stats =
          new LoadGenerator(
                  config(
                      URI.create("http://127.0.0.1:" + up.port()), Duration.ofSeconds(2), 0, false),
                  1)
              .withRate(100)
              .run(d -> {});
      // 100/s for 2 s on a fixed schedule: at most 200 sent (plus the schedule's first slot), and
      // a fast upstream keeps up, so not many fewer.
      assertThat(stats.ok()).isBetween(150L, 201L);
      assertThat(stats.failed()).isZero();
    }
  }

  @Test
  void nonStreamingRequestsAreTimedWhole() throws Exception {
    try (Sim sim = Sim.start(SimConfig.loopback("m"))) {
      LoadStats stats =
          new LoadGenerator(config(URI.create(sim.baseUrl()), Duration.ZERO, 8, false), 1)
              .run(d -> {});

      assertThat(stats.ok()).isEqualTo(8);
      assertThat(stats.chunks()).isZero();
      assertThat(totalsOf(stats).ttft().getTotalCount()).isEqualTo(8);
    }
  }

  @Test
  void anUnreachableServerCountsFailuresAndTheRunStillEnds() throws Exception {
    int closedPort = FreePorts.next();
    LoadStats stats =
        new LoadGenerator(
                config(
                    URI.create("http://127.0.0.1:" + closedPort), Duration.ofMillis(500), 0, true),
                1)
            .run(d -> {});

    assertThat(stats.ok()).isZero();
    assertThat(stats.failed()).isPositive();
    assertThat(stats.lastError()).contains("connect to 127.0.0.1:" + closedPort);
  }

  @Test
  void badHttpStatusesAreFailuresNamingTheStatus() throws Exception {
    try (Sim sim = Sim.start(SimConfig.loopback("served-model"))) {
      LoadStats stats =
          new LoadGenerator(config(URI.create(sim.baseUrl()), Duration.ZERO, 3, true), 1)
              .run(d -> {});

      assertThat(stats.failed()).isEqualTo(3);
      assertThat(stats.lastError()).isEqualTo("HTTP 404");
    }
  }

  private static LoadStats.Interval totalsOf(LoadStats stats) {
    stats.interval();
    return stats.totals();
  }
}
