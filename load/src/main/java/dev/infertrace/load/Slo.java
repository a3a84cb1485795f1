package dev.infertrace.load;

import java.time.Duration;
import javax.annotation.Nullable;

/**
 * A service-level objective for goodput: a request is good when it succeeded and its TTFT and TPOT
 * are at most these bounds (a bound left out always holds), as vLLM's bench {@code --goodput}
 * counts it.
 */
public record Slo(@Nullable Duration ttft, @Nullable Duration tpot) {

  /** Parses {@code ttft=200ms,tpot=50ms} (either may be left out). */
  public static Slo parse(String spec) {
    Duration ttft = null;
    Duration tpot = null;
    for (String part : spec.split(",")) {
      String[] kv = part.strip().split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException(
            "--slo: expected ttft=DURATION,tpot=DURATION, got '" + spec + "'");
      }
      Duration d;
      try {
        d = DurationOption.parse(kv[1]);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("--slo " + kv[0] + ": " + e.getMessage(), e);
      }
      switch (kv[0].strip()) {
        case "ttft" -> ttft = d;
        case "tpot" -> tpot = d;
        default ->
            throw new IllegalArgumentException(
                "--slo: unknown objective '" + kv[0] + "' (ttft, tpot)");
      }
    }
    return new Slo(ttft, tpot);
  }

  /** Whether a request met the objective; a failed request never does. */
  public boolean met(RequestRecord r) {
    if (r.error() != null) {
      return false;
    }
    if (ttft != null && (r.ttftMs() == null || r.ttftMs() > ttft.toNanos() / 1e6)) {
      return false;
    }
    return tpot == null || r.tpotMs() == null || r.tpotMs() <= tpot.toNanos() / 1e6;
  }
}
