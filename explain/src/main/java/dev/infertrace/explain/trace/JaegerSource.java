package dev.infertrace.explain.trace;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Jaeger v2's query API v3 (Jaeger 1.76 / 2.13): {@code GET /api/v3/traces/{traceId}} and {@code
 * GET /api/v3/traces?query.service_name=…&query.start_time_min=…&query.start_time_max=…
 * &query.num_traces=…}, both answering {@code {"result":{"resourceSpans":[…]}}} (OTLP/JSON, hex
 * ids) and 404 {@code "No traces found"} when there is none. The search answers with whole traces,
 * so a window is one request. {@code query.num_traces} is required, and must stay under the
 * storage's {@code max_traces}; attribute filters are ignored by v2.13, so none are sent.
 */
public final class JaegerSource implements TraceSource {
  /** How long a connection and an answer may take, unless told otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final HttpJson http;
  private final String service;

  public JaegerSource(URI base, String service, Duration timeout) {
    this.http = new HttpJson("Jaeger", base, timeout);
    this.service = service;
  }

  public JaegerSource(URI base) {
    this(base, DEFAULT_SERVICE, DEFAULT_TIMEOUT);
  }

  @Override
  public List<SpanRecord> trace(String traceId) throws TraceSourceException {
    Optional<JsonNode> r = http.get(http.uri("/api/v3/traces/" + HttpJson.encode(traceId)));
    return r.map(n -> OtlpJson.spans(n.path("result"))).orElse(List.of());
  }

  @Override
  public List<String> search(Instant from, Instant to, int limit) throws TraceSourceException {
    List<String> ids = new ArrayList<>();
    for (Trace t : traces(from, to, limit)) {
      ids.add(t.traceId());
    }
    return ids;
  }

  @Override
  public List<Trace> traces(Instant from, Instant to, int limit) throws TraceSourceException {
    URI uri =
        http.uri(
            "/api/v3/traces?query.service_name="
                + HttpJson.encode(service)
                + "&query.start_time_min="
                + HttpJson.encode(DateTimeFormatter.ISO_INSTANT.format(from))
                + "&query.start_time_max="
                + HttpJson.encode(DateTimeFormatter.ISO_INSTANT.format(to))
                + "&query.num_traces="
                + limit);
    Optional<JsonNode> r = http.get(uri);
    if (r.isEmpty()) {
      return List.of();
    }
    List<Trace> traces = Trace.group(OtlpJson.spans(r.get().path("result")));
    Set<String> seen = new LinkedHashSet<>();
    List<Trace> out = new ArrayList<>();
    for (Trace t : traces) {
      if (seen.add(t.traceId()) && out.size() < limit) {
        out.add(t);
      }
    }
    return out;
  }

  @Override
  public String describe() {
    return http.describe();
  }
}
