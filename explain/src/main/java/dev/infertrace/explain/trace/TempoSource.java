package dev.infertrace.explain.trace;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Grafana Tempo's HTTP API: {@code GET /api/v2/traces/{traceId}} answers {@code
 * {"trace":{"resourceSpans":[…]}}} (OTLP/JSON; Tempo writes ids in base64), 404 when there is no
 * such trace; {@code GET /api/search?q={resource.service.name="…"}&start=…&end=…&limit=…} (TraceQL,
 * unix seconds) answers {@code {"traces":[{"traceID":"…",…}]}}, each trace then fetched by id.
 * Tempo drops a trace id's leading zeros in search results; they are put back.
 */
public final class TempoSource implements TraceSource {
  private final HttpJson http;
  private final String service;

  public TempoSource(URI base, String service, Duration timeout) {
    this.http = new HttpJson("Tempo", base, timeout);
    this.service = service;
  }

  public TempoSource(URI base) {
    this(base, DEFAULT_SERVICE, JaegerSource.DEFAULT_TIMEOUT);
  }

  @Override
  public List<SpanRecord> trace(String traceId) throws TraceSourceException {
    Optional<JsonNode> r = http.get(http.uri("/api/v2/traces/" + HttpJson.encode(traceId)));
    if (r.isEmpty()) {
      return List.of();
    }
    JsonNode n = r.get();
    return OtlpJson.spans(n.has("trace") ? n.get("trace") : n);
  }

  @Override
  public List<String> search(Instant from, Instant to, int limit) throws TraceSourceException {
    long start = from.getEpochSecond();
    long end = to.getEpochSecond() + (to.getNano() > 0 ? 1 : 0);
    String q = "{resource.service.name=\"" + service.replace("\"", "\\\"") + "\"}";
    URI uri =
        http.uri(
            "/api/search?q="
                + HttpJson.encode(q)
                + "&start="
                + start
                + "&end="
                + end
                + "&limit="
                + limit);
    Optional<JsonNode> r = http.get(uri);
    Set<String> ids = new LinkedHashSet<>();
    if (r.isPresent()) {
      for (JsonNode t : r.get().path("traces")) {
        if (ids.size() >= limit) {
          break;
        }
        String raw = t.path("traceID").asText("");
        String id = raw.matches("[0-9a-fA-F]{1,32}") ? raw : OtlpJson.id(raw);
        if (id.matches("[0-9a-fA-F]{1,32}")) {
          ids.add("0".repeat(32 - id.length()) + id.toLowerCase(Locale.ROOT));
        }
      }
    }
    return new ArrayList<>(ids);
  }

  @Override
  public String describe() {
    return http.describe();
  }
}
