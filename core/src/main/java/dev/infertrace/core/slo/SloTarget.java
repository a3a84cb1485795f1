package dev.infertrace.core.slo;

import static dev.infertrace.core.text.Strings.isBlank;
import static dev.infertrace.core.text.Strings.strip;

import java.util.AbstractMap;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * Latency objectives of a request: time to first token and time per output token, in seconds;
 * either may be absent. A request meets its SLO when every objective it has is met. A value class
 * (equals, hashCode and toString as a record's would be: core is Java 8 source, see the pom).
 */
public final class SloTarget {
  @Nullable private final Double ttftSeconds;
  @Nullable private final Double tpotSeconds;

  /**
   * @param ttftSeconds the TTFT objective, or null
   * @param tpotSeconds the TPOT objective, or null
   */
  public SloTarget(@Nullable Double ttftSeconds, @Nullable Double tpotSeconds) {
    this.ttftSeconds = ttftSeconds;
    this.tpotSeconds = tpotSeconds;
  }

  @Nullable
  public Double ttftSeconds() {
    return ttftSeconds;
  }

  @Nullable
  public Double tpotSeconds() {
    return tpotSeconds;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SloTarget)) {
      return false;
    }
    SloTarget x = (SloTarget) o;
    return Objects.equals(ttftSeconds, x.ttftSeconds) && Objects.equals(tpotSeconds, x.tpotSeconds);
  }

  @Override
  public int hashCode() {
    int h = 0;
    h = 31 * h + Objects.hashCode(ttftSeconds);
    h = 31 * h + Objects.hashCode(tpotSeconds);
    return h;
  }

  @Override
  public String toString() {
    return "SloTarget[" + "ttftSeconds=" + ttftSeconds + ", tpotSeconds=" + tpotSeconds + "]";
  }

  /** The llm-d request headers that carry per-request objectives, in milliseconds. */
  public static final String TTFT_HEADER = "x-llm-d-slo-ttft-ms";

  public static final String TPOT_HEADER = "x-llm-d-slo-tpot-ms";

  public static final SloTarget NONE = new SloTarget(null, null);

  public boolean isEmpty() {
    return ttftSeconds == null && tpotSeconds == null;
  }

  /**
   * Whether a request met these objectives; null when there are none or the request did not produce
   * what they measure (no first token: the TTFT objective is missed).
   */
  @Nullable
  public Boolean met(double ttftSeconds, double tpotSeconds) {
    if (isEmpty()) {
      return null;
    }
    boolean ok = true;
    if (this.ttftSeconds != null) {
      ok = !Double.isNaN(ttftSeconds) && ttftSeconds <= this.ttftSeconds;
    }
    if (this.tpotSeconds != null && !Double.isNaN(tpotSeconds)) {
      ok &= tpotSeconds <= this.tpotSeconds;
    }
    return ok;
  }

  /**
   * The objectives of one request: its own headers win over the model's configured targets, which
   * win over the default ({@code *}) ones.
   */
  public static SloTarget resolve(
      Map<String, SloTarget> byModel,
      @Nullable String model,
      @Nullable String ttftHeaderMs,
      @Nullable String tpotHeaderMs) {
    SloTarget base = model == null ? null : byModel.get(model);
    if (base == null) {
      base = byModel.getOrDefault("*", NONE);
    }
    Double ttft = millis(ttftHeaderMs);
    Double tpot = millis(tpotHeaderMs);
    return new SloTarget(
        ttft != null ? ttft : base.ttftSeconds(), tpot != null ? tpot : base.tpotSeconds());
  }

  /**
   * Parses {@code MODEL=ttft:500ms,tpot:50ms} ({@code *} for every model) into {@code (model,
   * target)}; a clear message for anything else.
   */
  public static Map.Entry<String, SloTarget> parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          "expected MODEL=ttft:500ms,tpot:50ms (MODEL may be *), got '" + spec + "'");
    }
    Double ttft = null;
    Double tpot = null;
    for (String part : spec.substring(eq + 1).split(",")) {
      String[] kv = strip(part).split(":", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException(
            "expected ttft:DURATION or tpot:DURATION, got '" + part + "'");
      }
      double seconds = seconds(strip(kv[1]));
      switch (strip(kv[0])) {
        case "ttft":
          ttft = seconds;
          break;
        case "tpot":
          tpot = seconds;
          break;
        default:
          throw new IllegalArgumentException("unknown objective '" + kv[0] + "'; use ttft or tpot");
      }
    }
    return new AbstractMap.SimpleImmutableEntry<>(
        strip(spec.substring(0, eq)), new SloTarget(ttft, tpot));
  }

  private static double seconds(String d) {
    try {
      if (d.endsWith("ms")) {
        return Double.parseDouble(d.substring(0, d.length() - 2)) / 1000;
      }
      if (d.endsWith("s")) {
        return Double.parseDouble(d.substring(0, d.length() - 1));
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("'" + d + "' is not a duration; write 500ms or 1.5s");
  }

  @Nullable
  private static Double millis(@Nullable String header) {
    if (header == null || isBlank(header)) {
      return null;
    }
    try {
      double ms = Double.parseDouble(strip(header));
      return ms > 0 && Double.isFinite(ms) ? ms / 1000 : null;
    } catch (NumberFormatException e) {
      return null; // a bad header is ignored, not an error of the request
    }
  }
}
