package dev.infertrace.core.gpu;

import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.MetricSample;
import dev.infertrace.core.schema.MetricNames.Dcgm;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The DCGM state of this worker's GPUs at one scrape, in span units: utilisation and activity as
 * ratios 0–1, clocks in MHz, power in W, temperature in °C, framebuffer in bytes. Keyed by GPU UUID
 * (the {@code UUID} label). The {@code Hostname}/{@code hostname} spelling does not matter.
 */
public record DcgmSample(Map<String, Values> byUuid) {
  /**
   * One GPU. NaN where the exporter did not report a field.
   *
   * @param maxSmClock the maximum supported SM clock, MHz
   * @param clocksEventReasons NVML's clocks-event-reason bitmask ({@link ClocksEventReasons})
   */
  public record Values(
      double gpuUtil,
      double smClock,
      double powerUsage,
      double gpuTemp,
      double fbUsedBytes,
      double tensorActive,
      double xid,
      double maxSmClock,
      double clocksEventReasons) {}

  /**
   * The GPUs of {@code page} that belong to this worker: those with {@code pod}/{@code namespace}
   * labels equal to the given ones, or whose UUID is in {@code uuids}; all of them when neither is
   * given.
   */
  /**
   * Field names of other DCGM versions, mapped to the names read here. DCGM 4.6 renamed several
   * fields (e.g. utilisation as a ratio, {@code DCGM_FI_DEV_GPU_UTIL_RATIO}); more can be added
   * with the worker's {@code --dcgm-field NEW=OLD}.
   */
  public static final Map<String, String> DEFAULT_ALIASES =
      Map.of(
          Dcgm.GPU_UTIL_RATIO, Dcgm.GPU_UTIL,
          Dcgm.CLOCK_THROTTLE_REASONS, Dcgm.CLOCKS_EVENT_REASONS);

  public static DcgmSample of(Exposition page, String pod, String namespace, Set<String> uuids) {
    return of(page, pod, namespace, uuids, DEFAULT_ALIASES);
  }

  /** As above, reading fields under other names through {@code aliases} (name → known name). */
  public static DcgmSample of(
      Exposition page,
      String pod,
      String namespace,
      Set<String> uuids,
      Map<String, String> aliases) {
    Predicate<MetricSample> mine =
        s -> {
          if (!uuids.isEmpty()) {
            return uuids.contains(s.label("UUID"));
          }
          if (pod != null) {
            return pod.equals(s.label("pod"))
                && (namespace == null || namespace.equals(s.label("namespace")));
          }
          return true;
        };
    Map<String, double[]> values = new LinkedHashMap<>();
    for (MetricSample s : page.samples()) {
      String name = aliases.getOrDefault(s.name(), s.name());
      int field = field(name);
      if (field < 0 || s.label("UUID") == null || !mine.test(s)) {
        continue;
      }
      double[] v = values.computeIfAbsent(s.label("UUID"), k -> nan());
      // A field already given as a ratio (the _RATIO names) is not scaled from percent.
      v[field] = s.name().endsWith("_RATIO") ? s.value() : scale(field, s.value());
    }
    Map<String, Values> out = new LinkedHashMap<>();
    values.forEach(
        (uuid, v) ->
            out.put(uuid, new Values(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8])));
    return new DcgmSample(out);
  }

  private static final int FIELDS = 9;

  private static int field(String name) {
    return switch (name) {
      case Dcgm.GPU_UTIL -> 0;
      case Dcgm.SM_CLOCK -> 1;
      case Dcgm.POWER_USAGE -> 2;
      case Dcgm.GPU_TEMP -> 3;
      case Dcgm.FB_USED -> 4;
      case Dcgm.PIPE_TENSOR_ACTIVE -> 5;
      case Dcgm.XID_ERRORS -> 6;
      case Dcgm.MAX_SM_CLOCK -> 7;
      case Dcgm.CLOCKS_EVENT_REASONS -> 8;
      default -> -1;
    };
  }

  private static double scale(int field, double v) {
    return switch (field) {
      case 0 -> v / 100; // % → ratio
      case 4 -> v * 1024 * 1024; // MiB → bytes
      default -> v;
    };
  }

  private static double[] nan() {
    double[] v = new double[FIELDS];
    java.util.Arrays.fill(v, Double.NaN);
    return v;
  }
}
