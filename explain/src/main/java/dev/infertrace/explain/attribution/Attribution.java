package dev.infertrace.explain.attribution;

import java.util.List;

/**
 * One request's time, as segments that add up to its ingress SERVER span's duration, in the order
 * they happened, with what could not be told for certain ({@code notes}: clock skew between hosts,
 * a hop without a sidecar, spans missing).
 *
 * @param seconds the ingress SERVER span's duration
 */
public record Attribution(
    String traceId, double seconds, List<Segment> segments, List<String> notes) {
  public Attribution {
    segments = List.copyOf(segments);
    notes = List.copyOf(notes);
  }

  /** The segments added up, seconds. */
  public double total() {
    return segments.stream().mapToDouble(Segment::seconds).sum();
  }

  /** The seconds of the segment named {@code name}, 0 when there is none. */
  public double of(String name) {
    return segments.stream().filter(s -> s.name().equals(name)).mapToDouble(Segment::seconds).sum();
  }
}
