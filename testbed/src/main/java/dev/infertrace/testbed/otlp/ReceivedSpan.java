package dev.infertrace.testbed.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.HexFormat;
import java.util.List;
import javax.annotation.Nullable;

/**
 * One span as an OTLP receiver got it, with its resource and scope, and accessors for what tests
 * ask most.
 *
 * @param transport {@code grpc} or {@code http}
 */
public record ReceivedSpan(
    Resource resource, InstrumentationScope scope, Span span, String transport) {

  public String name() {
    return span.getName();
  }

  public Span.SpanKind kind() {
    return span.getKind();
  }

  /** Lowercase hex, as in {@code traceparent}. */
  public String traceId() {
    return hex(span.getTraceId());
  }

  public String spanId() {
    return hex(span.getSpanId());
  }

  /** The parent's span id, or an empty string for a root span. */
  public String parentSpanId() {
    return hex(span.getParentSpanId());
  }

  public long startEpochNanos() {
    return span.getStartTimeUnixNano();
  }

  public long endEpochNanos() {
    return span.getEndTimeUnixNano();
  }

  /** The resource's {@code service.name}, or null. */
  @Nullable
  public String serviceName() {
    Object v = value(resource.getAttributesList(), "service.name");
    return v == null ? null : v.toString();
  }

  /**
   * The span attribute {@code key} as a Java value (String, Long, Double, Boolean or List), or null
   * when the span does not have it.
   */
  @Nullable
  public Object attribute(String key) {
    return value(span.getAttributesList(), key);
  }

  @Nullable
  private static Object value(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return java(kv.getValue());
      }
    }
    return null;
  }

  @Nullable
  private static Object java(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> v.getIntValue();
      case DOUBLE_VALUE -> v.getDoubleValue();
      case BOOL_VALUE -> v.getBoolValue();
      case ARRAY_VALUE ->
          v.getArrayValue().getValuesList().stream().map(ReceivedSpan::java).toList();
      case BYTES_VALUE -> v.getBytesValue().toByteArray();
      default -> null;
    };
  }

  private static String hex(ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }
}
