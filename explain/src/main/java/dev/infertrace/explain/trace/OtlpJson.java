package dev.infertrace.explain.trace;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Spans out of OTLP/JSON ({@code TracesData} / {@code ExportTraceServiceRequest}: {@code
 * resourceSpans → scopeSpans → spans}), as the proxy's trace file, Jaeger's api/v3 and Tempo write
 * it. Ids are hex in the OTLP/JSON mapping; base64 (the protobuf JSON default some servers use) is
 * accepted too. 64-bit integers may come as strings, as the mapping says.
 */
public final class OtlpJson {
  private OtlpJson() {}

  /** The spans of one {@code TracesData} object (or anything with {@code resourceSpans}). */
  public static List<SpanRecord> spans(JsonNode tracesData) {
    List<SpanRecord> out = new ArrayList<>();
    for (JsonNode rs : tracesData.path("resourceSpans")) {
      String service = "";
      for (JsonNode a : rs.path("resource").path("attributes")) {
        if (a.path("key").asText().equals("service.name")) {
          service = pooled(a.path("value").path("stringValue").asText());
        }
      }
      for (JsonNode ss : rs.path("scopeSpans")) {
        for (JsonNode s : ss.path("spans")) {
          List<SpanRecord.Event> events = new ArrayList<>();
          for (JsonNode e : s.path("events")) {
            events.add(
                new SpanRecord.Event(
                    pooled(e.path("name").asText()),
                    e.path("timeUnixNano").asLong(),
                    attributes(e.path("attributes"))));
          }
          out.add(
              new SpanRecord(
                  id(s.path("traceId").asText()),
                  id(s.path("spanId").asText()),
                  id(s.path("parentSpanId").asText("")),
                  pooled(s.path("name").asText()),
                  kind(s.path("kind")),
                  service,
                  s.path("startTimeUnixNano").asLong(),
                  s.path("endTimeUnixNano").asLong(),
                  attributes(s.path("attributes")),
                  List.copyOf(events)));
        }
      }
    }
    return out;
  }

  private static int kind(JsonNode k) {
    if (k.isNumber() || k.asText().matches("\\d+")) {
      return k.asInt();
    }
    return switch (k.asText()) { // the enum's name, as some JSON writers print it
      case "SPAN_KIND_INTERNAL" -> 1;
      case "SPAN_KIND_SERVER" -> 2;
      case "SPAN_KIND_CLIENT" -> 3;
      case "SPAN_KIND_PRODUCER" -> 4;
      case "SPAN_KIND_CONSUMER" -> 5;
      default -> 0;
    };
  }

  /** Hex as it is; base64 (16 or 8 bytes) turned into hex. */
  static String id(String raw) {
    if (raw.isEmpty() || raw.matches("[0-9a-fA-F]{16}|[0-9a-fA-F]{32}")) {
      return raw.toLowerCase(java.util.Locale.ROOT);
    }
    try {
      return HexFormat.of().formatHex(Base64.getDecoder().decode(raw));
    } catch (IllegalArgumentException e) {
      return raw;
    }
  }

  /**
   * Attribute names and short string values recur on every span (keys, models, roles, reasons):
   * held once each, a window of 60k traces fits in a small heap. Bounded, so that unique values
   * (ids, messages) cannot grow it without end.
   */
  private static final int POOL_MAX = 65_536;

  private static final Map<String, String> POOL = new java.util.concurrent.ConcurrentHashMap<>();

  private static String pooled(String s) {
    if (s.length() > 64) {
      return s;
    }
    String held = POOL.get(s);
    if (held != null) {
      return held;
    }
    if (POOL.size() < POOL_MAX) {
      POOL.putIfAbsent(s, s);
    }
    return s;
  }

  private static Map<String, Object> attributes(JsonNode list) {
    if (list.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> out = new HashMap<>(list.size() * 4 / 3 + 1);
    for (JsonNode a : list) {
      Object v = value(a.path("value"));
      if (v != null) {
        out.put(pooled(a.path("key").asText()), v);
      }
    }
    return out;
  }

  private static Object value(JsonNode v) {
    if (v.has("stringValue")) {
      return pooled(v.get("stringValue").asText());
    }
    if (v.has("intValue")) {
      return v.get("intValue").asLong(); // a string in the JSON mapping
    }
    if (v.has("doubleValue")) {
      return v.get("doubleValue").asDouble();
    }
    if (v.has("boolValue")) {
      return v.get("boolValue").asBoolean();
    }
    if (v.has("arrayValue")) {
      List<Object> out = new ArrayList<>();
      for (JsonNode e : v.get("arrayValue").path("values")) {
        Object x = value(e);
        if (x != null) {
          out.add(x);
        }
      }
      return List.copyOf(out);
    }
    return null;
  }
}
