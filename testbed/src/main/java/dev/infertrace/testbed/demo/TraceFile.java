package dev.infertrace.testbed.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads an OTLP JSON lines trace file (the Collector file-exporter format) into flat spans. */
final class TraceFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TraceFile() {}

  /** One span with what the report needs. */
  record Span(
      String service,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      int kind,
      long startNanos,
      long endNanos,
      Map<String, JsonNode> attributes,
      List<Event> events) {
    double seconds() {
      return (endNanos - startNanos) / 1e9;
    }

    double number(String key) {
      return TraceFile.number(attributes.get(key));
    }

    String text(String key) {
      JsonNode v = attributes.get(key);
      return v == null || !v.has("stringValue") ? null : v.get("stringValue").asText();
    }

    /** A string-array attribute's values; empty when absent. */
    List<String> texts(String key) {
      List<String> out = new ArrayList<>();
      JsonNode v = attributes.get(key);
      if (v != null) {
        for (JsonNode e : v.path("arrayValue").path("values")) {
          out.add(e.path("stringValue").asText());
        }
      }
      return out;
    }
  }

  /** A span event: its name and attributes. */
  record Event(String name, Map<String, JsonNode> attributes) {
    double number(String key) {
      return TraceFile.number(attributes.get(key));
    }

    String text(String key) {
      JsonNode v = attributes.get(key);
      return v == null || !v.has("stringValue") ? null : v.get("stringValue").asText();
    }

    boolean flag(String key) {
      JsonNode v = attributes.get(key);
      return v != null && v.path("boolValue").asBoolean(false);
    }
  }

  private static double number(JsonNode v) {
    if (v == null) {
      return Double.NaN;
    }
    JsonNode n = v.has("doubleValue") ? v.get("doubleValue") : v.get("intValue");
    return n == null ? Double.NaN : n.asDouble();
  }

  private static Map<String, JsonNode> attributes(JsonNode list) {
    Map<String, JsonNode> attrs = new HashMap<>();
    for (JsonNode a : list) {
      attrs.put(a.path("key").asText(), a.path("value"));
    }
    return attrs;
  }

  static List<Span> read(Path file) throws IOException {
    List<Span> spans = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        for (JsonNode rs : JSON.readTree(line).path("resourceSpans")) {
          String service = "?";
          for (JsonNode a : rs.path("resource").path("attributes")) {
            if (a.path("key").asText().equals("service.name")) {
              service = a.path("value").path("stringValue").asText();
            }
          }
          for (JsonNode ss : rs.path("scopeSpans")) {
            for (JsonNode s : ss.path("spans")) {
              Map<String, JsonNode> attrs = attributes(s.path("attributes"));
              List<Event> events = new ArrayList<>();
              for (JsonNode e : s.path("events")) {
                events.add(new Event(e.path("name").asText(), attributes(e.path("attributes"))));
              }
              spans.add(
                  new Span(
                      service,
                      s.path("traceId").asText(),
                      s.path("spanId").asText(),
                      s.path("parentSpanId").asText(""),
                      s.path("name").asText(),
                      s.path("kind").asInt(),
                      Long.parseLong(s.path("startTimeUnixNano").asText("0")),
                      Long.parseLong(s.path("endTimeUnixNano").asText("0")),
                      attrs,
                      events));
            }
          }
        }
      }
    }
    return spans;
  }
}
