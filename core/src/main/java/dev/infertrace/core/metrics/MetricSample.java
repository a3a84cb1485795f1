package dev.infertrace.core.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * One sample line of a Prometheus text exposition. A value class (equals, hashCode and toString as
 * a record's would be: core is Java 8 source, see the pom).
 */
public final class MetricSample {
  private final String name;
  private final Map<String, String> labels;
  private final double value;
  private final int line;

  /**
   * @param name the sample name as written, e.g. {@code vllm:e2e_request_latency_seconds_bucket}
   * @param labels label names to values, in the order they were written
   * @param value the value; NaN when the line said NaN
   * @param line the 1-based line number, for messages
   */
  public MetricSample(String name, Map<String, String> labels, double value, int line) {
    this.name = name;
    this.labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    this.value = value;
    this.line = line;
  }

  public String name() {
    return name;
  }

  public Map<String, String> labels() {
    return labels;
  }

  public double value() {
    return value;
  }

  public int line() {
    return line;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof MetricSample)) {
      return false;
    }
    MetricSample x = (MetricSample) o;
    return Objects.equals(name, x.name)
        && Objects.equals(labels, x.labels)
        && Double.compare(value, x.value) == 0
        && line == x.line;
  }

  @Override
  public int hashCode() {
    int h = 0;
    h = 31 * h + Objects.hashCode(name);
    h = 31 * h + Objects.hashCode(labels);
    h = 31 * h + Double.hashCode(value);
    h = 31 * h + Integer.hashCode(line);
    return h;
  }

  @Override
  public String toString() {
    return "MetricSample[name="
        + name
        + ", labels="
        + labels
        + ", value="
        + value
        + ", line="
        + line
        + "]";
  }

  /** The value of label {@code name}, or null. */
  public String label(String name) {
    return labels.get(name);
  }
}
