package dev.infertrace.explain.trace;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where traces are read from: the proxies' trace file ({@link TraceFileSource}), Jaeger's query API
 * ({@link JaegerSource}) or Tempo's ({@link TempoSource}). Every source answers by trace id and by
 * time window; the window's requests are those of one service (the ingress, {@value
 * #DEFAULT_SERVICE}, by default) that started in it.
 */
public interface TraceSource {
  /** The service whose requests a window finds unless told otherwise. */
  String DEFAULT_SERVICE = "infertrace-ingress";

  /**
   * The spans of one trace (32 hex digits), or an empty list when the source has no such trace.
   *
   * @throws TraceSourceException when the source cannot be read (unreachable, an HTTP error, an
   *     answer that is not JSON)
   */
  List<SpanRecord> trace(String traceId) throws TraceSourceException;

  /**
   * The trace ids (lowercase hex) of the service's requests that started in {@code [from, to]}, at
   * most {@code limit} of them.
   */
  List<String> search(Instant from, Instant to, int limit) throws TraceSourceException;

  /**
   * The traces of {@link #search}, each with its spans. A source whose search answers with the
   * spans already (Jaeger) does it in one request; others fetch each trace.
   */
  default List<Trace> traces(Instant from, Instant to, int limit) throws TraceSourceException {
    List<Trace> out = new ArrayList<>();
    for (String id : search(from, to, limit)) {
      List<SpanRecord> spans = trace(id);
      if (!spans.isEmpty()) {
        out.add(new Trace(id, spans));
      }
    }
    return out;
  }

  /** What and where, for messages: "Jaeger at http://localhost:16686", "/tmp/demo.jsonl". */
  String describe();
}
