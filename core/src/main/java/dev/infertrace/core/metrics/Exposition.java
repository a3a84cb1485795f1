package dev.infertrace.core.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import javax.annotation.Nullable;

/**
 * A parsed Prometheus text exposition (format 0.0.4): its samples, the declared {@code # TYPE} and
 * {@code # HELP} of each family, and the problems found (malformed lines are reported there and
 * skipped, never thrown: a scraper must survive a bad exporter). A value class (equals, hashCode
 * and toString as a record's would be: core is Java 8 source, see the pom); the lists and maps are
 * unmodifiable copies.
 */
public final class Exposition {
  private final List<MetricSample> samples;
  private final Map<String, String> types;
  private final Map<String, String> helps;
  private final List<String> problems;

  public Exposition(
      List<MetricSample> samples,
      Map<String, String> types,
      Map<String, String> helps,
      List<String> problems) {
    this.samples = copy(samples);
    this.types = copy(types);
    this.helps = copy(helps);
    this.problems = copy(problems);
  }

  public List<MetricSample> samples() {
    return samples;
  }

  public Map<String, String> types() {
    return types;
  }

  public Map<String, String> helps() {
    return helps;
  }

  public List<String> problems() {
    return problems;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Exposition)) {
      return false;
    }
    Exposition x = (Exposition) o;
    return Objects.equals(samples, x.samples)
        && Objects.equals(types, x.types)
        && Objects.equals(helps, x.helps)
        && Objects.equals(problems, x.problems);
  }

  @Override
  public int hashCode() {
    int h = 0;
    h = 31 * h + Objects.hashCode(samples);
    h = 31 * h + Objects.hashCode(types);
    h = 31 * h + Objects.hashCode(helps);
    h = 31 * h + Objects.hashCode(problems);
    return h;
  }

  @Override
  public String toString() {
    return "Exposition[samples="
        + samples
        + ", types="
        + types
        + ", helps="
        + helps
        + ", problems="
        + problems
        + "]";
  }

  private static <T> List<T> copy(List<T> list) {
    for (T t : list) {
      Objects.requireNonNull(t);
    }
    return Collections.unmodifiableList(new ArrayList<>(list));
  }

  private static Map<String, String> copy(Map<String, String> map) {
    map.forEach(
        (k, v) -> {
          Objects.requireNonNull(k);
          Objects.requireNonNull(v);
        });
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /** Samples named exactly {@code name}. */
  public List<MetricSample> samples(String name) {
    return samples(s -> s.name().equals(name));
  }

  /** Samples matching {@code filter}. */
  public List<MetricSample> samples(Predicate<MetricSample> filter) {
    List<MetricSample> out = new ArrayList<>();
    for (MetricSample s : samples) {
      if (filter.test(s)) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * The single sample named {@code name} whose labels include {@code labelPairs} (name, value,
   * name, value ...), or an {@link IllegalStateException} saying what was there instead.
   */
  public double value(String name, String... labelPairs) {
    List<MetricSample> found =
        samples(
            s -> {
              if (!s.name().equals(name)) {
                return false;
              }
              for (int i = 0; i + 1 < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) {
                  return false;
                }
              }
              return true;
            });
    if (found.size() != 1) {
      throw new IllegalStateException(
          "expected one sample "
              + name
              + " with "
              + String.join(",", labelPairs)
              + ", found "
              + found.size()
              + ": "
              + samples(name));
    }
    return found.get(0).value();
  }

  /**
   * The family a sample belongs to: its name, or for {@code _bucket}, {@code _sum}, {@code _count}
   * (histogram, summary), {@code _total} and {@code _created} (counter) the declared base name.
   */
  public String familyOf(String sampleName) {
    if (types.containsKey(sampleName)) {
      return sampleName;
    }
    for (String suffix : new String[] {"_bucket", "_sum", "_count", "_total", "_created"}) {
      if (sampleName.endsWith(suffix)) {
        String base = sampleName.substring(0, sampleName.length() - suffix.length());
        if (types.containsKey(base)) {
          return base;
        }
      }
    }
    return sampleName;
  }
}
