package dev.infertrace.load;

import dev.infertrace.core.text.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** load's duration options, in the syntax of every infertrace command ({@link Durations}). */
final class DurationOption implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  static Duration parse(String value) {
    try {
      return Duration.ofNanos(Durations.parseNanos(value));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
