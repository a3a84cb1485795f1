package dev.infertrace.load;

import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Benchmark configurations and twins for the load tests. */
final class BenchConfigs {
  private BenchConfigs() {}

  /** A twin with 2 ms engine steps serving model "m". */
  static Sim twin() throws IOException, InterruptedException {
    return Sim.start(
        SimConfig.loopback("m")
            .withEngine(
                new EngineConfig(
                    64, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(2, 0, 0, 0))));
  }

  /** Closed loop, streaming chat, 20-word prompts, exactly 10 output tokens, N requests a step. */
  static BenchConfig closed(String url, long requestsPerStep, Double... concurrency) {
    return new BenchConfig(
        URI.create(url),
        BenchConfig.Api.CHAT,
        "m",
        null,
        true,
        BenchConfig.Shape.CONCURRENCY,
        List.of(concurrency),
        false,
        Duration.ZERO,
        requestsPerStep,
        Duration.ZERO,
        Duration.ZERO,
        Lengths.fixed(20),
        5,
        Lengths.fixed(10),
        null,
        true,
        null,
        7,
        1000,
        Duration.ofSeconds(30));
  }

  static Builder builder(String url) {
    return new Builder(closed(url, 4, 2.0));
  }

  /** Changes one thing at a time in a config (tests only). */
  static final class Builder {
    private BenchConfig c;

    Builder(BenchConfig c) {
      this.c = c;
    }

    Builder api(BenchConfig.Api api, boolean stream) {
      c =
          new BenchConfig(
              c.url(),
              api,
              c.model(),
              c.apiKey(),
              stream,
              c.shape(),
              c.steps(),
              c.untilSaturation(),
              c.duration(),
              c.requests(),
              c.warmup(),
              c.cooldown(),
              c.inputTokens(),
              c.sharedPrefixTokens(),
              c.outputTokens(),
              c.dataset(),
              c.ignoreEos(),
              c.slo(),
              c.seed(),
              c.maxInFlight(),
              c.requestTimeout());
      return this;
    }

    Builder model(String model, String apiKey) {
      c =
          new BenchConfig(
              c.url(),
              c.api(),
              model,
              apiKey,
              c.stream(),
              c.shape(),
              c.steps(),
              c.untilSaturation(),
              c.duration(),
              c.requests(),
              c.warmup(),
              c.cooldown(),
              c.inputTokens(),
              c.sharedPrefixTokens(),
              c.outputTokens(),
              c.dataset(),
              c.ignoreEos(),
              c.slo(),
              c.seed(),
              c.maxInFlight(),
              c.requestTimeout());
      return this;
    }

    Builder load(BenchConfig.Shape shape, List<Double> steps, boolean untilSaturation) {
      c =
          new BenchConfig(
              c.url(),
              c.api(),
              c.model(),
              c.apiKey(),
              c.stream(),
              shape,
              steps,
              untilSaturation,
              c.duration(),
              c.requests(),
              c.warmup(),
              c.cooldown(),
              c.inputTokens(),
              c.sharedPrefixTokens(),
              c.outputTokens(),
              c.dataset(),
              c.ignoreEos(),
              c.slo(),
              c.seed(),
              c.maxInFlight(),
              c.requestTimeout());
      return this;
    }

    Builder window(Duration warmup, Duration duration, long requests, Duration cooldown) {
      c =
          new BenchConfig(
              c.url(),
              c.api(),
              c.model(),
              c.apiKey(),
              c.stream(),
              c.shape(),
              c.steps(),
              c.untilSaturation(),
              duration,
              requests,
              warmup,
              cooldown,
              c.inputTokens(),
              c.sharedPrefixTokens(),
              c.outputTokens(),
              c.dataset(),
              c.ignoreEos(),
              c.slo(),
              c.seed(),
              c.maxInFlight(),
              c.requestTimeout());
      return this;
    }

    Builder prompts(Lengths output, List<Dataset.Entry> dataset) {
      c =
          new BenchConfig(
              c.url(),
              c.api(),
              c.model(),
              c.apiKey(),
              c.stream(),
              c.shape(),
              c.steps(),
              c.untilSaturation(),
              c.duration(),
              c.requests(),
              c.warmup(),
              c.cooldown(),
              c.inputTokens(),
              c.sharedPrefixTokens(),
              output,
              dataset,
              c.ignoreEos(),
              c.slo(),
              c.seed(),
              c.maxInFlight(),
              c.requestTimeout());
      return this;
    }

    Builder slo(Slo slo) {
      c =
          new BenchConfig(
              c.url(),
              c.api(),
              c.model(),
              c.apiKey(),
              c.stream(),
              c.shape(),
              c.steps(),
              c.untilSaturation(),
              c.duration(),
              c.requests(),
              c.warmup(),
              c.cooldown(),
              c.inputTokens(),
              c.sharedPrefixTokens(),
              c.outputTokens(),
              c.dataset(),
              c.ignoreEos(),
              slo,
              c.seed(),
              c.maxInFlight(),
              c.requestTimeout());
      return this;
    }

    BenchConfig build() {
      return c;
    }
  }
}
