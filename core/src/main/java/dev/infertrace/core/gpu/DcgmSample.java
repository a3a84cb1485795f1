package dev.infertrace.core.gpu;

import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.MetricSample;
import dev.infertrace.core.schema.MetricNames.Dcgm;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import javax.annotation.Nullable;

/**
 * The DCGM state of this worker's GPUs at one scrape, in span units: utilisation and activity as
 * ratios 0–1, clocks in MHz, power in W, temperature in °C, framebuffer in bytes. Keyed by GPU UUID
 * (the {@code UUID} label). The {@code Hostname}/{@code hostname} spelling does not matter. Value
 * classes (equals, hashCode and toString as a record's would be: core is Java 8 source, see the
 * pom).
 */
public final class DcgmSample {
  /** One GPU. NaN where the exporter did not report a field. */
  public static final class Values {
    private final double gpuUtil;
    private final double smClock;
    private final double powerUsage;
    private final double gpuTemp;
    private final double fbUsedBytes;
    private final double tensorActive;
    private final double xid;
    private final double maxSmClock;
    private final double clocksEventReasons;

    /**
     * @param maxSmClock the maximum supported SM clock, MHz
     * @param clocksEventReasons NVML's clocks-event-reason bitmask ({@link ClocksEventReasons})
     */
    public Values(
        double gpuUtil,
        double smClock,
        double powerUsage,
        double gpuTemp,
        double fbUsedBytes,
        double tensorActive,
        double xid,
        double maxSmClock,
        double clocksEventReasons) {
      this.gpuUtil = gpuUtil;
      this.smClock = smClock;
      this.powerUsage = powerUsage;
      this.gpuTemp = gpuTemp;
      this.fbUsedBytes = fbUsedBytes;
      this.tensorActive = tensorActive;
      this.xid = xid;
      this.maxSmClock = maxSmClock;
      this.clocksEventReasons = clocksEventReasons;
    }

    public double gpuUtil() {
      return gpuUtil;
    }

    public double smClock() {
      return smClock;
    }

    public double powerUsage() {
      return powerUsage;
    }

    public double gpuTemp() {
      return gpuTemp;
    }

    public double fbUsedBytes() {
      return fbUsedBytes;
    }

    public double tensorActive() {
      return tensorActive;
    }

    public double xid() {
      return xid;
    }

    public double maxSmClock() {
      return maxSmClock;
    }

    public double clocksEventReasons() {
      return clocksEventReasons;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof Values)) {
        return false;
      }
      Values x = (Values) o;
      return Double.compare(gpuUtil, x.gpuUtil) == 0
          && Double.compare(smClock, x.smClock) == 0
          && Double.compare(powerUsage, x.powerUsage) == 0
          && Double.compare(gpuTemp, x.gpuTemp) == 0
          && Double.compare(fbUsedBytes, x.fbUsedBytes) == 0
          && Double.compare(tensorActive, x.tensorActive) == 0
          && Double.compare(xid, x.xid) == 0
          && Double.compare(maxSmClock, x.maxSmClock) == 0
          && Double.compare(clocksEventReasons, x.clocksEventReasons) == 0;
    }

    @Override
    public int hashCode() {
      int h = 0;
      h = 31 * h + Double.hashCode(gpuUtil);
      h = 31 * h + Double.hashCode(smClock);
      h = 31 * h + Double.hashCode(powerUsage);
      h = 31 * h + Double.hashCode(gpuTemp);
      h = 31 * h + Double.hashCode(fbUsedBytes);
      h = 31 * h + Double.hashCode(tensorActive);
      h = 31 * h + Double.hashCode(xid);
      h = 31 * h + Double.hashCode(maxSmClock);
      h = 31 * h + Double.hashCode(clocksEventReasons);
      return h;
    }

    @Override
    public String toString() {
      return "Values[gpuUtil="
          + gpuUtil
          + ", smClock="
          + smClock
          + ", powerUsage="
          + powerUsage
          + ", gpuTemp="
          + gpuTemp
          + ", fbUsedBytes="
          + fbUsedBytes
          + ", tensorActive="
          + tensorActive
          + ", xid="
          + xid
          + ", maxSmClock="
          + maxSmClock
          + ", clocksEventReasons="
          + clocksEventReasons
          + "]";
    }
  }

  private final Map<String, Values> byUuid;

  public DcgmSample(Map<String, Values> byUuid) {
    this.byUuid = byUuid;
  }

  public Map<String, Values> byUuid() {
    return byUuid;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DcgmSample)) {
      return false;
    }
    DcgmSample x = (DcgmSample) o;
    return Objects.equals(byUuid, x.byUuid);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(byUuid);
  }

  @Override
  public String toString() {
    return "DcgmSample[byUuid=" + byUuid + "]";
  }

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
  public static final Map<String, String> DEFAULT_ALIASES = Collections.unmodifiableMap(aliases());

  private static Map<String, String> aliases() {
    Map<String, String> m = new HashMap<>();
    m.put(Dcgm.GPU_UTIL_RATIO, Dcgm.GPU_UTIL);
    m.put(Dcgm.CLOCK_THROTTLE_REASONS, Dcgm.CLOCKS_EVENT_REASONS);
    return m;
  }

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
    switch (name) {
      case Dcgm.GPU_UTIL:
        return 0;
      case Dcgm.SM_CLOCK:
        return 1;
      case Dcgm.POWER_USAGE:
        return 2;
      case Dcgm.GPU_TEMP:
        return 3;
      case Dcgm.FB_USED:
        return 4;
      case Dcgm.PIPE_TENSOR_ACTIVE:
        return 5;
      case Dcgm.XID_ERRORS:
        return 6;
      case Dcgm.MAX_SM_CLOCK:
        return 7;
      case Dcgm.CLOCKS_EVENT_REASONS:
        return 8;
      default:
        return -1;
    }
  }

  private static double scale(int field, double v) {
    switch (field) {
      case 0:
        return v / 100; // % → ratio
      case 4:
        return v * 1024 * 1024; // MiB → bytes
      default:
        return v;
    }
  }

  private static double[] nan() {
    double[] v = new double[FIELDS];
    java.util.Arrays.fill(v, Double.NaN);
    return v;
  }
}
