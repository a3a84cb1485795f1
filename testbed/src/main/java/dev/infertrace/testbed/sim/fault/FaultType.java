package dev.infertrace.testbed.sim.fault;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The faults the twin can inject, each with its own parameters and their defaults.
 *
 * <p>Every fault also takes {@code startSeconds} (delay before it begins, default 0), {@code
 * durationSeconds} and, for the GPU faults, {@code gpu} (an index; all GPUs when absent).
 */
public enum FaultType {
  /** The SM clock drops to {@code smClockMhz} and the GPU runs hot: every step is slower. */
  THERMAL_THROTTLE("thermal-throttle", 60, Map.of("smClockMhz", 1050.0, "gpuTempC", 90.0)),
  /** {@code blocksFraction} of the KV-cache blocks are taken away: queueing and preemption. */
  KV_PRESSURE("kv-pressure", 60, Map.of("blocksFraction", 0.9)),
  /** Added latency per direction, before a request is read and before each response write. */
  NETWORK_DELAY("network-delay", 60, Map.of("requestDelayMs", 50.0, "responseDelayMs", 50.0)),
  /** The engine stops for the fault's duration and the GPU reports XID {@code xid}. */
  STALL("stall", 5, Map.of("xid", 43.0)),
  /** Prefill runs {@code factor} times slower. */
  SLOW_PREFILL("slow-prefill", 60, Map.of("factor", 4.0)),
  /**
   * Every completion request is answered at once with HTTP {@code status} in vLLM's error form, as
   * vLLM does when its engine core has died (500, {@code InternalServerError}).
   */
  ENGINE_ERROR("engine-error", 30, Map.of("status", 500.0));

  private final String wireName;
  private final double defaultDurationSeconds;
  private final Map<String, Double> defaults;

  FaultType(String wireName, double defaultDurationSeconds, Map<String, Double> defaults) {
    this.wireName = wireName;
    this.defaultDurationSeconds = defaultDurationSeconds;
    this.defaults = defaults;
  }

  /** The name used in JSON and on the command line, e.g. {@code thermal-throttle}. */
  public String wireName() {
    return wireName;
  }

  double defaultDurationSeconds() {
    return defaultDurationSeconds;
  }

  /** The type-specific parameters and their defaults. */
  public Map<String, Double> defaults() {
    return defaults;
  }

  /** True for faults of one GPU (they accept {@code gpu}). */
  boolean perGpu() {
    return this == THERMAL_THROTTLE || this == STALL;
  }

  /** The type named {@code name}, or an exception listing the known ones. */
  public static FaultType fromWireName(String name) {
    for (FaultType type : values()) {
      if (type.wireName.equals(name.toLowerCase(Locale.ROOT))) {
        return type;
      }
    }
    throw new IllegalArgumentException(
        "unknown fault type '" + name + "'; known types: " + wireNames());
  }

  /** All type names, comma-separated, for messages and help. */
  public static String wireNames() {
    return Arrays.stream(values()).map(FaultType::wireName).collect(Collectors.joining(", "));
  }
}
