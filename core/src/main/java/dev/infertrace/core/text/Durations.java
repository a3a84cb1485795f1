package dev.infertrace.core.text;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them on a command line or in a config file: {@code 250ms}, {@code
 * 1s}, {@code 1.5s}, {@code 2m}, {@code 1h}. The one parser of every infertrace command's duration
 * options (the picocli converters wrap it).
 */
public final class Durations {
  private Durations() {}

  private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  /**
   * {@code value} in nanoseconds.
   *
   * @throws IllegalArgumentException naming the accepted forms, when {@code value} is not one
   */
  public static long parseNanos(String value) {
    Matcher m = FORMAT.matcher(Strings.strip(value));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + value + "' is not a duration; write it like 250ms, 1s, 1.5s, 2m or 1h");
    }
    double amount = Double.parseDouble(m.group(1));
    String unit = m.group(2);
    double nanosPerUnit;
    if (unit.equals("ms")) {
      nanosPerUnit = 1e6;
    } else if (unit.equals("s")) {
      nanosPerUnit = 1e9;
    } else if (unit.equals("m")) {
      nanosPerUnit = 60e9;
    } else {
      nanosPerUnit = 3600e9;
    }
    return Math.round(amount * nanosPerUnit);
  }
}
