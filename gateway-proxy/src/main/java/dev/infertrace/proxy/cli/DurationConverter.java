package dev.infertrace.proxy.cli;

import dev.infertrace.core.text.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads durations as operators write them: {@code 250ms}, {@code 1s}, {@code 1.5s}, {@code 2m}. */
public final class DurationConverter implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /** Parses {@code value}; a message naming the accepted forms otherwise. */
  public static Duration parse(String value) {
    try {
      return Duration.ofNanos(Durations.parseNanos(value));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
