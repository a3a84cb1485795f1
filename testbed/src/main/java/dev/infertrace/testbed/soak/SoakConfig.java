package dev.infertrace.testbed.soak;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one soak does.
 *
 * @param length how long the load runs (after the saturation probe)
 * @param workers twins behind sidecars (at least 2: one of them is killed)
 * @param loadFraction the open-loop rate, as a fraction of the measured saturation
 * @param faultPeriod a fault starts this often, the first one period into the run
 * @param faultLength how long each fault lasts (the component is down)
 * @param grace how long after a fault ends its failures still count as explained
 * @param saturationStep how long each concurrency step of the saturation probe lasts
 * @param out where the report goes
 * @param seed the request mix, prompts, lengths and trace ids
 */
public record SoakConfig(
    Duration length,
    int workers,
    double loadFraction,
    Duration faultPeriod,
    Duration faultLength,
    Duration grace,
    Duration saturationStep,
    Path out,
    long seed) {

  /** The faults, in the order they are injected, over and over. */
  static final FaultWindow.Component[] CYCLE = {
    FaultWindow.Component.COLLECTOR,
    FaultWindow.Component.DCGM,
    FaultWindow.Component.EPP,
    FaultWindow.Component.WORKER
  };

  public SoakConfig {
    if (length.isNegative() || length.isZero()) {
      throw new IllegalArgumentException("--minutes must be > 0, got " + length);
    }
    if (workers < 2) {
      throw new IllegalArgumentException(
          "--workers must be >= 2 (one of them is killed), got " + workers);
    }
    if (!(loadFraction > 0 && loadFraction <= 1.5)) {
      throw new IllegalArgumentException(
          "--load-fraction must be in (0, 1.5], got " + loadFraction);
    }
    if (faultLength.isNegative() || faultLength.isZero()) {
      throw new IllegalArgumentException("--fault-length must be > 0, got " + faultLength);
    }
    if (faultPeriod.compareTo(faultLength.plusSeconds(2)) < 0) {
      throw new IllegalArgumentException(
          "--fault-period must be at least --fault-length + 2s (faults do not overlap), got "
              + faultPeriod.toMillis() / 1000.0
              + "s and "
              + faultLength.toMillis() / 1000.0
              + "s");
    }
    if (length.compareTo(faultPeriod.multipliedBy(CYCLE.length + 1)) < 0) {
      throw new IllegalArgumentException(
          "the run ("
              + length.toSeconds()
              + " s) must last at least "
              + (CYCLE.length + 1)
              + " fault periods ("
              + faultPeriod.multipliedBy(CYCLE.length + 1).toSeconds()
              + " s) so that every fault is injected: raise --minutes or lower --fault-period");
    }
    if (grace.isNegative()) {
      throw new IllegalArgumentException("the grace must be >= 0, got " + grace);
    }
    if (saturationStep.toMillis() < 1000) {
      throw new IllegalArgumentException(
          "--saturation-step must be >= 1s, got " + saturationStep.toMillis() + "ms");
    }
  }
}
