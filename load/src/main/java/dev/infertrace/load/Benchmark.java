package dev.infertrace.load;

import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.annotation.Nullable;

/**
 * Runs a {@link BenchConfig}'s sweep, one step after the other, with one JDK HttpClient (HTTP/1.1
 * keep-alive, TLS with the JVM's trust store).
 */
public final class Benchmark {
  private final BenchConfig config;
  private final BenchProgress progress = new BenchProgress();
  private volatile boolean stopped;
  @Nullable private volatile StepRunner current;

  public Benchmark(BenchConfig config) {
    this.config = config;
  }

  /** The run's result: every request and one summary per step. */
  public record Result(
      BenchConfig config,
      Instant startedAt,
      List<StepSummary> steps,
      List<RequestRecord> requests) {}

  public BenchProgress progress() {
    return progress;
  }

  /** Ends the current step now and runs no more (Ctrl-C); requests in flight finish. */
  public void stop() {
    stopped = true;
    StepRunner r = current;
    if (r != null) {
      r.stop();
    }
  }

  public Result run() throws InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            // the response is read and timed on the client's selector thread: no hand-off to a
            // pool thread between the bytes arriving and the clock being read
            .executor(Runnable::run)
            .build();
    Prompts prompts = new Prompts(config);
    Instant startedAt = Instant.now();
    long origin = System.nanoTime();
    AtomicLong ids = new AtomicLong();
    List<StepSummary> steps = new ArrayList<>();
    List<RequestRecord> requests = new ArrayList<>();
    double best = 0;
    for (int i = 0; i < config.steps().size() && !stopped; i++) {
      StepRunner runner = new StepRunner(client, config, prompts, origin, ids, progress);
      current = runner;
      if (stopped) {
        break;
      }
      StepRunner.Result r = runner.run(i, config.steps().get(i));
      steps.add(r.summary());
      requests.addAll(r.records());
      double rps = r.summary().requestsPerSecond();
      if (config.untilSaturation() && i > 0 && rps < best * 1.1) {
        break; // saturated: more load no longer buys throughput
      }
      best = Math.max(best, rps);
    }
    current = null;
    return new Result(config, startedAt, List.copyOf(steps), List.copyOf(requests));
  }
}
