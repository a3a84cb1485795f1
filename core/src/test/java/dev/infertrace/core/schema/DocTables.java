package dev.infertrace.core.schema;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads names out of the Markdown reference docs and out of the schema classes. */
final class DocTables {
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");
  private static final Pattern BRACES = Pattern.compile("^(.*)\\{([^}]+)}(.*)$");

  private DocTables() {}

  /** A file of {@code src/docs}; Maven runs the tests in the module's directory, one below. */
  static String doc(String name) throws IOException {
    return Files.readString(Path.of("..", "src", "docs", name));
  }

  /**
   * The code spans of the first column of every table whose header's first cell is {@code header},
   * with {@code a.{b,c}} expanded to {@code a.b}, {@code a.c}.
   */
  static Set<String> firstColumn(String markdown, String header) {
    Set<String> out = new LinkedHashSet<>();
    boolean inTable = false;
    for (String line : markdown.split("\n")) {
      if (!line.startsWith("|")) {
        inTable = false;
        continue;
      }
      String first = line.split("\\|", -1)[1].strip();
      if (!inTable) {
        inTable = first.equals(header);
        continue;
      }
      out.addAll(codeSpans(first));
    }
    return out;
  }

  /** Every code span of {@code markdown}, braces expanded. */
  static Set<String> codeSpans(String markdown) {
    Set<String> out = new LinkedHashSet<>();
    Matcher m = CODE.matcher(markdown);
    while (m.find()) {
      out.addAll(expand(m.group(1)));
    }
    return out;
  }

  private static List<String> expand(String s) {
    Matcher m = BRACES.matcher(s);
    if (!m.matches()) {
      return List.of(s);
    }
    List<String> out = new ArrayList<>();
    for (String alt : m.group(2).split(",")) {
      out.addAll(expand(m.group(1) + alt.strip() + m.group(3)));
    }
    return out;
  }

  /** The values of the public static final String fields of {@code type} (not of nested types). */
  static Set<String> constants(Class<?> type) {
    Set<String> out = new LinkedHashSet<>();
    for (Field f : type.getDeclaredFields()) {
      int mod = f.getModifiers();
      if (Modifier.isPublic(mod)
          && Modifier.isStatic(mod)
          && Modifier.isFinal(mod)
          && f.getType() == String.class) {
        try {
          out.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return out;
  }
}
