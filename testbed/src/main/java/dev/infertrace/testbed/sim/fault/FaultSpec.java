package dev.infertrace.testbed.sim.fault;

import java.util.LinkedHashMap;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * A fault as asked for, before it is placed on the clock: from {@code --fault SPEC} or the JSON
 * body of {@code POST /admin/faults}. Validation happens here, so that both paths give the same
 * messages.
 *
 * @param startSeconds delay from now until the fault begins
 * @param durationSeconds how long it lasts
 * @param gpu the GPU index, or null for all GPUs
 * @param params the type's parameters with defaults filled in
 */
public record FaultSpec(
    FaultType type,
    double startSeconds,
    double durationSeconds,
    @Nullable Integer gpu,
    Map<String, Double> params) {

  public FaultSpec {
    params = Map.copyOf(params);
  }

  /**
   * Builds a spec from name/value pairs as found in JSON or a SPEC string: {@code startSeconds},
   * {@code durationSeconds}, {@code gpu} and the type's own parameters. Unknown names and bad
   * values are rejected with a message naming them.
   */
  public static FaultSpec of(FaultType type, Map<String, Double> values) {
    double start = 0;
    double duration = type.defaultDurationSeconds();
    Integer gpu = null;
    Map<String, Double> params = new LinkedHashMap<>(type.defaults());
    for (Map.Entry<String, Double> e : values.entrySet()) {
      String name = e.getKey();
      double value = e.getValue();
      if (!Double.isFinite(value)) {
        throw new IllegalArgumentException(name + " must be a finite number, got " + value);
      }
      switch (name) {
        case "startSeconds" -> start = nonNegative(name, value);
        case "durationSeconds" -> duration = positive(name, value);
        case "gpu" -> {
          if (!type.perGpu()) {
            throw new IllegalArgumentException(
                "gpu applies to thermal-throttle and stall only, not to " + type.wireName());
          }
          if (value != Math.rint(value) || value < 0) {
            throw new IllegalArgumentException("gpu must be a GPU index (0, 1, ...), got " + value);
          }
          gpu = (int) value;
        }
        default -> {
          if (!params.containsKey(name)) {
            throw new IllegalArgumentException(
                "unknown parameter '"
                    + name
                    + "' for "
                    + type.wireName()
                    + "; it takes startSeconds, durationSeconds"
                    + (type.perGpu() ? ", gpu" : "")
                    + (type.defaults().isEmpty()
                        ? ""
                        : ", " + String.join(", ", type.defaults().keySet())));
          }
          params.put(name, checkParam(type, name, value));
        }
      }
    }
    return new FaultSpec(type, start, duration, gpu, params);
  }

  /**
   * Parses {@code TYPE[:name=value[,name=value...]]}, e.g. {@code
   * thermal-throttle:startSeconds=10,durationSeconds=30,smClockMhz=1100}.
   */
  public static FaultSpec parse(String spec) {
    String text = spec.strip();
    int colon = text.indexOf(':');
    FaultType type = FaultType.fromWireName(colon < 0 ? text : text.substring(0, colon));
    Map<String, Double> values = new LinkedHashMap<>();
    if (colon >= 0 && colon < text.length() - 1) {
      for (String pair : text.substring(colon + 1).split(",")) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "expected name=value in fault spec '" + spec + "', got '" + pair + "'");
        }
        String name = pair.substring(0, eq).strip();
        String raw = pair.substring(eq + 1).strip();
        try {
          values.put(name, Double.parseDouble(raw));
        } catch (NumberFormatException ex) {
          throw new IllegalArgumentException(name + " must be a number, got '" + raw + "'");
        }
      }
    }
    return of(type, values);
  }

  private static double checkParam(FaultType type, String name, double value) {
    return switch (name) {
      case "blocksFraction" -> {
        if (value < 0 || value > 1) {
          throw new IllegalArgumentException("blocksFraction must be within [0, 1], got " + value);
        }
        yield value;
      }
      case "status" -> {
        if (value < 400 || value > 599 || value != Math.rint(value)) {
          throw new IllegalArgumentException(
              "status must be an HTTP error, 400..599, got " + value);
        }
        yield value;
      }
      case "factor" -> {
        if (value < 1) {
          throw new IllegalArgumentException("factor must be >= 1 (a slowdown), got " + value);
        }
        yield value;
      }
      default -> type == FaultType.NETWORK_DELAY ? nonNegative(name, value) : positive(name, value);
    };
  }

  private static double nonNegative(String name, double value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
    return value;
  }

  private static double positive(String name, double value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
    return value;
  }
}
