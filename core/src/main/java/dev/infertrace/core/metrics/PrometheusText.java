package dev.infertrace.core.metrics;

import static dev.infertrace.core.text.Strings.strip;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses the Prometheus text format (0.0.4), as served by vLLM and dcgm-exporter. Lenient where
 * exporters are sloppy and strict where a mistake would mislead: a malformed line is skipped and
 * reported in {@link Exposition#problems()}, never guessed at. Stateless and thread-safe.
 *
 * <p>dcgm-exporter's old "blank" sentinel (9223372036854775794) is read as a missing value: the
 * sample is dropped, as newer exporters do.
 */
public final class PrometheusText {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES =
      Collections.unmodifiableSet(
          new HashSet<>(Arrays.asList("counter", "gauge", "histogram", "summary", "untyped")));
  private static final double DCGM_BLANK = 9223372036854775794.0;

  private PrometheusText() {}

  /** {@code value} escaped for a label value: backslash, double quote and newline. */
  public static String escapeLabelValue(String value) {
    StringBuilder b = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\':
          b.append("\\\\");
          break;
        case '"':
          b.append("\\\"");
          break;
        case '\n':
          b.append("\\n");
          break;
        default:
          b.append(c);
      }
    }
    return b.toString();
  }

  /** Parses {@code text}; never throws on bad input. */
  public static Exposition parse(String text) {
    List<MetricSample> samples = new ArrayList<>();
    Map<String, String> types = new HashMap<>();
    Map<String, String> helps = new HashMap<>();
    List<String> problems = new ArrayList<>();
    Set<String> familiesSeen = new HashSet<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String line = strip(lines[i]);
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        comment(line, lineNo, types, helps, familiesSeen, problems);
        continue;
      }
      try {
        MetricSample sample = sample(line, lineNo);
        if (sample.value() == DCGM_BLANK) {
          continue;
        }
        samples.add(sample);
        familiesSeen.add(sample.name());
      } catch (IllegalArgumentException e) {
        problems.add("line " + lineNo + ": " + e.getMessage() + ": " + line);
      }
    }
    return new Exposition(samples, types, helps, problems);
  }

  private static void comment(
      String line,
      int lineNo,
      Map<String, String> types,
      Map<String, String> helps,
      Set<String> familiesSeen,
      List<String> problems) {
    String[] parts = line.split("\\s+", 4);
    if (parts.length < 3 || !(parts[1].equals("TYPE") || parts[1].equals("HELP"))) {
      return; // a plain comment
    }
    String family = parts[2];
    if (!METRIC_NAME.matcher(family).matches()) {
      problems.add("line " + lineNo + ": invalid metric name in " + parts[1] + ": " + family);
      return;
    }
    if (parts[1].equals("HELP")) {
      helps.put(family, parts.length > 3 ? parts[3] : "");
      return;
    }
    String type = parts.length > 3 ? strip(parts[3]) : "";
    if (!TYPES.contains(type)) {
      problems.add("line " + lineNo + ": unknown TYPE '" + type + "' for " + family);
    } else if (types.containsKey(family)) {
      problems.add("line " + lineNo + ": second TYPE for " + family);
    } else if (familiesSeen.contains(family)) {
      problems.add("line " + lineNo + ": TYPE for " + family + " after its samples");
    } else {
      types.put(family, type);
    }
  }

  private static MetricSample sample(String line, int lineNo) {
    int i = 0;
    int n = line.length();
    while (i < n && line.charAt(i) != '{' && !Character.isWhitespace(line.charAt(i))) {
      i++;
    }
    String name = line.substring(0, i);
    if (!METRIC_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid metric name '" + name + "'");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < n && line.charAt(i) == '{') {
      i = labels(line, i + 1, labels);
    }
    String tail = line.substring(i);
    int exemplar = tail.indexOf(" # ");
    if (exemplar >= 0) {
      tail = tail.substring(0, exemplar); // an OpenMetrics exemplar: not part of the sample
    }
    String[] rest = strip(tail).split("\\s+");
    if (rest.length == 0 || rest[0].isEmpty() || rest.length > 2) {
      throw new IllegalArgumentException("expected a value and an optional timestamp");
    }
    return new MetricSample(name, labels, value(rest[0]), lineNo);
  }

  /** Reads labels after '{' into {@code out}; returns the index after '}'. */
  private static int labels(String line, int i, Map<String, String> out) {
    int n = line.length();
    while (true) {
      while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == ',')) {
        i++;
      }
      if (i < n && line.charAt(i) == '}') {
        return i + 1;
      }
      int eq = line.indexOf('=', i);
      if (eq < 0) {
        throw new IllegalArgumentException("unterminated label set");
      }
      String label = strip(line.substring(i, eq));
      if (!LABEL_NAME.matcher(label).matches()) {
        throw new IllegalArgumentException("invalid label name '" + label + "'");
      }
      if (eq + 1 >= n || line.charAt(eq + 1) != '"') {
        throw new IllegalArgumentException("label " + label + " has no quoted value");
      }
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      boolean closed = false;
      while (j < n) {
        char c = line.charAt(j++);
        if (c == '\\' && j < n) {
          char e = line.charAt(j++);
          value.append(e == 'n' ? '\n' : e);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value.append(c);
        }
      }
      if (!closed) {
        throw new IllegalArgumentException("label " + label + " value is not closed");
      }
      if (out.put(label, value.toString()) != null) {
        throw new IllegalArgumentException("label " + label + " given twice");
      }
      i = j;
      if (i < n && line.charAt(i) != ',' && line.charAt(i) != '}') {
        throw new IllegalArgumentException("expected ',' or '}' after label " + label);
      }
    }
  }

  private static double value(String text) {
    switch (text) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("invalid value '" + text + "'");
        }
    }
  }
}
