package dev.infertrace.core.text;

/**
 * {@link String#strip()} and {@link String#isBlank()} (Java 11) for core, which is Java 8 source:
 * the same definition of white space, {@link Character#isWhitespace(int)}, so that what core parses
 * does not depend on the Java version it was built for. {@link String#trim()} is not the same: it
 * removes every control character and no Unicode space.
 */
public final class Strings {
  private Strings() {}

  /** {@code s} without leading and trailing white space, as {@code s.strip()}. */
  public static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end) {
      int c = s.codePointAt(start);
      if (!Character.isWhitespace(c)) {
        break;
      }
      start += Character.charCount(c);
    }
    while (end > start) {
      int c = s.codePointBefore(end);
      if (!Character.isWhitespace(c)) {
        break;
      }
      end -= Character.charCount(c);
    }
    return s.substring(start, end);
  }

  /** True when {@code s} is empty or only white space, as {@code s.isBlank()}. */
  public static boolean isBlank(String s) {
    return strip(s).isEmpty();
  }
}
