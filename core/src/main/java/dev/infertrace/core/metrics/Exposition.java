package dev.infertrace.core.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A parsed Prometheus text exposition (format 0.0.4): its samples, the declared {@code # TYPE} and
 * {@code # HELP} of each family, and the problems found (malformed lines are reported there and
 * skipped, never thrown: a scraper must survive a bad exporter).
 */
public record Exposition(
    List<MetricSample> samples,
    Map<String, String> types,
    Map<String, String> helps,
    List<String> problems) {

  public Exposition {
    samples = List.copyOf(samples);
    types = Map.copyOf(types);
    helps = Map.copyOf(helps);
    problems = List.copyOf(problems);
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
