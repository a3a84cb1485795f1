package dev.infertrace.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one sweep step, from its measured requests (those started inside the window, after
 * warm-up and before cool-down). Latencies in milliseconds; rates per second of the window.
 *
 * @param target the step's offered load: a concurrency or a rate in requests/s
 * @param windowSeconds the measured window's length
 * @param durationSeconds from the window's start to the end of its last measured request (or the
 *     window's end if later): the time the measured requests took, which the rates divide by, as
 *     vLLM's bench divides by its benchmark duration
 * @param concurrency requests actually in flight on average over the window (every request counts
 *     for the time it overlapped the window, warm-up and cool-down ones included)
 * @param requestsPerSecond successful measured requests per second of the duration
 * @param outputTokensPerSecond their output tokens per second
 * @param totalTokensPerSecond their input and output tokens per second
 * @param errors failed measured requests by kind
 * @param goodput measured requests per second that met the SLO (null without {@code --slo})
 * @param goodputRatio the share of measured requests that met it
 */
public record StepSummary(
    int index,
    String shape,
    double target,
    double windowStartMs,
    double windowSeconds,
    double durationSeconds,
    long requests,
    long ok,
    long failed,
    Map<String, Long> errors,
    double concurrency,
    double requestsPerSecond,
    double outputTokensPerSecond,
    double totalTokensPerSecond,
    Distribution ttft,
    Distribution tpot,
    Distribution itl,
    Distribution e2e,
    Double goodput,
    Double goodputRatio) {

  static StepSummary of(
      BenchConfig config,
      int index,
      double target,
      List<RequestRecord> all,
      double windowStartMs,
      double windowEndMs) {
    double windowSeconds = Math.max(1e-9, (windowEndMs - windowStartMs) / 1000);
    double lastEndMs = windowEndMs;
    for (RequestRecord r : all) {
      if (r.measured()) {
        lastEndMs = Math.max(lastEndMs, r.endMs());
      }
    }
    double seconds = (lastEndMs - windowStartMs) / 1000;
    List<Double> ttft = new ArrayList<>();
    List<Double> tpot = new ArrayList<>();
    List<Double> itl = new ArrayList<>();
    List<Double> e2e = new ArrayList<>();
    Map<String, Long> errors = new TreeMap<>();
    long requests = 0;
    long ok = 0;
    long good = 0;
    long outputTokens = 0;
    long totalTokens = 0;
    double busyMs = 0;
    for (RequestRecord r : all) {
      busyMs +=
          Math.max(0, Math.min(r.endMs(), windowEndMs) - Math.max(r.startMs(), windowStartMs));
      if (!r.measured()) {
        continue;
      }
      requests++;
      if (!r.ok()) {
        errors.merge(r.error(), 1L, Long::sum);
        continue;
      }
      ok++;
      if (r.ttftMs() != null) {
        ttft.add(r.ttftMs());
      }
      if (r.tpotMs() != null) {
        tpot.add(r.tpotMs());
      }
      itl.addAll(r.itlMs());
      e2e.add(r.e2eMs());
      outputTokens += r.outputTokens();
      totalTokens += r.outputTokens() + r.inputTokens();
      if (config.slo() != null && config.slo().met(r)) {
        good++;
      }
    }
    return new StepSummary(
        index,
        config.shape().name().toLowerCase(java.util.Locale.ROOT),
        target,
        windowStartMs,
        windowSeconds,
        seconds,
        requests,
        ok,
        requests - ok,
        errors,
        busyMs / 1000 / windowSeconds,
        ok / seconds,
        outputTokens / seconds,
        totalTokens / seconds,
        Distribution.of(ttft),
        Distribution.of(tpot),
        Distribution.of(itl),
        Distribution.of(e2e),
        config.slo() == null ? null : good / seconds,
        config.slo() == null ? null : requests == 0 ? 0.0 : (double) good / requests);
  }
}
