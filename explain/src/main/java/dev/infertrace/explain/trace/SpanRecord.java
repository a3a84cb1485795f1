package dev.infertrace.explain.trace;

import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * One span as read from OTLP: ids in hex, times in epoch nanoseconds, attribute values as Java
 * values (String, Long, Double, Boolean, List of those).
 *
 * @param parentSpanId empty for a root span
 * @param kind OTLP's span kind number (1 internal, 2 server, 3 client, 4 producer, 5 consumer)
 * @param service the resource's {@code service.name}
 */
public record SpanRecord(
    String traceId,
    String spanId,
    String parentSpanId,
    String name,
    int kind,
    String service,
    long startNanos,
    long endNanos,
    Map<String, Object> attributes,
    List<Event> events) {

  public static final int KIND_SERVER = 2;
  public static final int KIND_CLIENT = 3;

  /** A span event. */
  public record Event(String name, long timeNanos, Map<String, Object> attributes) {}

  /** Duration, seconds. */
  public double seconds() {
    return (endNanos - startNanos) / 1e9;
  }

  /** A numeric attribute, or NaN. */
  public double number(String key) {
    Object v = attributes.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** A string attribute, or null. */
  @Nullable
  public String text(String key) {
    Object v = attributes.get(key);
    return v instanceof String s ? s : null;
  }

  /** A string-array attribute (a single string as one element), or empty. */
  public List<String> texts(String key) {
    Object v = attributes.get(key);
    if (v instanceof List<?> l) {
      return l.stream().map(String::valueOf).toList();
    }
    return v instanceof String s ? List.of(s) : List.of();
  }
}
