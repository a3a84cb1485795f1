package dev.infertrace.load;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import javax.annotation.Nullable;

/**
 * A benchmark: the endpoint, the requests, and the sweep of load steps to drive it through.
 *
 * @param url base URL; requests go to {@code /v1/chat/completions} or {@code /v1/completions} under
 *     it (a URL already ending in {@code /v1} is used as it is)
 * @param apiKey sent as {@code Authorization: Bearer}; never logged, never written to outputs
 * @param shape closed loop (each step value is a concurrency) or open loop (a rate in requests/s)
 * @param steps the sweep: one value per step
 * @param untilSaturation stop the sweep once a step's requests/s is less than 10% above the best
 *     before it
 * @param duration the measured window of each step; warm-up before and cool-down after it
 * @param requests when > 0, the measured window of each step ends after this many requests instead
 * @param sharedPrefixTokens leading words every generated prompt shares (a system prompt that
 *     prefix caching can reuse)
 * @param dataset prompts from a file, or null for generated prompts of {@code inputTokens} words
 * @param maxInFlight open loop: requests in flight at most; one due beyond it is not sent and
 *     counts as an error of kind {@code client_saturated}
 */
public record BenchConfig(
    URI url,
    Api api,
    @Nullable String model,
    @Nullable String apiKey,
    boolean stream,
    Shape shape,
    List<Double> steps,
    boolean untilSaturation,
    Duration duration,
    long requests,
    Duration warmup,
    Duration cooldown,
    Lengths inputTokens,
    int sharedPrefixTokens,
    Lengths outputTokens,
    @Nullable List<Dataset.Entry> dataset,
    boolean ignoreEos,
    @Nullable Slo slo,
    long seed,
    int maxInFlight,
    Duration requestTimeout) {

  /** Which OpenAI API the requests use. */
  public enum Api {
    CHAT("/v1/chat/completions"),
    COMPLETIONS("/v1/completions");

    final String path;

    Api(String path) {
      this.path = path;
    }
  }

  /** How each step's load is offered. */
  public enum Shape {
    /** Each of N users sends its next request when its previous one ended. */
    CONCURRENCY,
    /** Requests started at a fixed interval, 1/rate apart. */
    RATE,
    /** Requests started with exponentially distributed gaps (a Poisson process) of mean 1/rate. */
    POISSON;

    public boolean openLoop() {
      return this != CONCURRENCY;
    }
  }

  public BenchConfig {
    steps = List.copyOf(steps);
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("give at least one load step");
    }
    for (double s : steps) {
      if (!(s > 0) || (shape == Shape.CONCURRENCY && s != Math.rint(s))) {
        throw new IllegalArgumentException(
            (shape == Shape.CONCURRENCY ? "--concurrency" : "--rate")
                + ": each step must be a positive "
                + (shape == Shape.CONCURRENCY ? "integer" : "number")
                + ", got "
                + s);
      }
    }
    if (duration.isNegative() || (duration.isZero() && requests <= 0)) {
      throw new IllegalArgumentException("give a positive --duration or --requests");
    }
    if (warmup.isNegative() || cooldown.isNegative()) {
      throw new IllegalArgumentException("--warmup and --cooldown must not be negative");
    }
    if (sharedPrefixTokens < 0) {
      throw new IllegalArgumentException("--shared-prefix must be >= 0, got " + sharedPrefixTokens);
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("--max-in-flight must be >= 1, got " + maxInFlight);
    }
  }

  /** The endpoint's full URI. */
  public URI endpoint() {
    String base = url.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    String path = base.endsWith("/v1") ? api.path.substring(3) : api.path;
    return URI.create(base + path);
  }

  /** Never shows the API key. */
  @Override
  public String toString() {
    return "BenchConfig[url="
        + url
        + ", api="
        + api
        + ", shape="
        + shape
        + ", steps="
        + steps
        + ", apiKey="
        + (apiKey == null ? "none" : "<redacted>")
        + "]";
  }
}
