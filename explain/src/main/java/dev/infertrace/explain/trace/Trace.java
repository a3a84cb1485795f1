package dev.infertrace.explain.trace;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** The spans of one trace, with the questions attribution asks of its tree. */
public record Trace(String traceId, List<SpanRecord> spans) {
  public Trace {
    spans = List.copyOf(spans);
  }

  /** The spans grouped into traces, in the order their trace ids first appear. */
  public static List<Trace> group(Collection<SpanRecord> spans) {
    Map<String, List<SpanRecord>> byTrace = new LinkedHashMap<>();
    for (SpanRecord s : spans) {
      byTrace.computeIfAbsent(s.traceId(), k -> new ArrayList<>()).add(s);
    }
    List<Trace> out = new ArrayList<>();
    byTrace.forEach((id, list) -> out.add(new Trace(id, list)));
    return out;
  }

  /** The first span that matches. */
  public Optional<SpanRecord> find(Predicate<SpanRecord> p) {
    return spans.stream().filter(p).findFirst();
  }

  /** The direct children of {@code parent} that match. */
  public List<SpanRecord> children(SpanRecord parent, Predicate<SpanRecord> p) {
    return spans.stream().filter(s -> s.parentSpanId().equals(parent.spanId())).filter(p).toList();
  }
}
