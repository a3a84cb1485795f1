package dev.infertrace.explain.verdict;

import dev.infertrace.explain.attribution.Attribution;
import dev.infertrace.explain.attribution.Segment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What requests of a shape typically took, segment by segment, learned from the window itself: the
 * median over the requests of the same model and output size (within a factor of two), falling back
 * to the same model and then to all requests when a shape has fewer than {@link #MIN_PEERS}. Decode
 * is compared per output token, so a longer answer is not a slower one; the prompt's size is not
 * part of the shape, so a prompt longer than its peers' shows as a slower prefill (and is named for
 * it). No threshold is tuned to a stack: "typical" is whatever this window did.
 */
final class Baseline {
  /** Fewer requests than this of a shape, and its baseline is the coarser one. */
  static final int MIN_PEERS = 5;

  /** A request as the baseline sees it. */
  record Request(Attribution attribution, String model, long inputTokens, long outputTokens) {
    String shape() {
      // Not the prompt's size: a prompt longer than its peers' is one of the causes told apart,
      // so it must show as a slower prefill, not be compared only with other long prompts.
      return model + "|" + bucket(outputTokens);
    }
  }

  private final Map<String, Map<String, double[]>> byShape = new HashMap<>();
  private final Map<String, Map<String, double[]>> byModel = new HashMap<>();
  private final Map<String, double[]> all;
  private final Map<String, Integer> shapeCounts = new HashMap<>();
  private final Map<String, Integer> modelCounts = new HashMap<>();

  Baseline(List<Request> requests) {
    Map<String, List<Request>> shapes = new HashMap<>();
    Map<String, List<Request>> models = new HashMap<>();
    for (Request r : requests) {
      shapes.computeIfAbsent(r.shape(), k -> new ArrayList<>()).add(r);
      models.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r);
    }
    shapes.forEach(
        (k, v) -> {
          byShape.put(k, medians(v));
          shapeCounts.put(k, v.size());
        });
    models.forEach(
        (k, v) -> {
          byModel.put(k, medians(v));
          modelCounts.put(k, v.size());
        });
    all = medians(requests);
  }

  /**
   * The typical seconds of {@code segment} for {@code r}, scaled to its token counts where the
   * segment goes with them; 0 when no peer had the segment at all.
   */
  double typical(Request r, String segment) {
    Map<String, double[]> m =
        shapeCounts.getOrDefault(r.shape(), 0) >= MIN_PEERS
            ? byShape.get(r.shape())
            : modelCounts.getOrDefault(r.model(), 0) >= MIN_PEERS ? byModel.get(r.model()) : all;
    double[] v = m.get(segment);
    if (v == null) {
      return 0;
    }
    return v[0] * scale(r, segment);
  }

  /** The typical end-to-end seconds for {@code r}: its segments' typical values added up. */
  double typicalTotal(Request r, List<String> segments) {
    return segments.stream().mapToDouble(s -> typical(r, s)).sum();
  }

  private static Map<String, double[]> medians(List<Request> requests) {
    Map<String, List<Double>> values = new HashMap<>();
    for (Request r : requests) {
      for (Segment s : r.attribution().segments()) {
        values
            .computeIfAbsent(s.name(), k -> new ArrayList<>())
            .add(s.seconds() / scale(r, s.name()));
      }
    }
    Map<String, double[]> out = new HashMap<>();
    int n = requests.size();
    values.forEach(
        (name, list) -> {
          // A segment most requests do not have is typically zero: pad with zeros to the count.
          double[] v = new double[Math.max(n, list.size())];
          for (int i = 0; i < list.size(); i++) {
            v[i] = list.get(i);
          }
          Arrays.sort(v);
          out.put(name, new double[] {v[v.length / 2]});
        });
    return out;
  }

  /** Per-token segments are compared per token. */
  private static double scale(Request r, String segment) {
    return switch (segment) {
      case "decode" -> Math.max(1, r.outputTokens());
      default -> 1;
    };
  }

  private static int bucket(long tokens) {
    return tokens <= 0 ? 0 : 64 - Long.numberOfLeadingZeros(tokens);
  }
}
