package dev.infertrace.proxy.engine;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A span received over OTLP, seen as SDK {@link SpanData} so that the worker's own exporter can
 * relay it unchanged (ids, times, attributes, status, resource, scope). Events and links are
 * dropped: vLLM's {@code llm_request} span has none.
 */
@SuppressWarnings("deprecation") // getInstrumentationLibraryInfo is still part of SpanData
final class ProtoSpanData implements SpanData {
  private final Span span;
  private final Resource resource;
  private final InstrumentationScopeInfo scope;
  private final Attributes attributes;

  ProtoSpanData(
      io.opentelemetry.proto.resource.v1.Resource resource,
      io.opentelemetry.proto.common.v1.InstrumentationScope scope,
      Span span) {
    this.span = span;
    this.resource = Resource.create(attributes(resource.getAttributesList()));
    this.scope =
        InstrumentationScopeInfo.builder(scope.getName().isEmpty() ? "unknown" : scope.getName())
            .setVersion(scope.getVersion().isEmpty() ? null : scope.getVersion())
            .build();
    this.attributes = attributes(span.getAttributesList());
  }

  static String hex(com.google.protobuf.ByteString b) {
    return HexFormat.of().formatHex(b.toByteArray());
  }

  static Attributes attributes(List<KeyValue> kvs) {
    AttributesBuilder b = Attributes.builder();
    for (KeyValue kv : kvs) {
      AnyValue v = kv.getValue();
      switch (v.getValueCase()) {
        case STRING_VALUE -> b.put(kv.getKey(), v.getStringValue());
        case BOOL_VALUE -> b.put(kv.getKey(), v.getBoolValue());
        case INT_VALUE -> b.put(kv.getKey(), v.getIntValue());
        case DOUBLE_VALUE -> b.put(kv.getKey(), v.getDoubleValue());
        case ARRAY_VALUE -> {
          List<String> items = new ArrayList<>();
          v.getArrayValue().getValuesList().forEach(i -> items.add(i.getStringValue()));
          b.put(AttributeKey.stringArrayKey(kv.getKey()), items);
        }
        default -> {}
      }
    }
    return b.build();
  }

  @Override
  public String getName() {
    return span.getName();
  }

  @Override
  public SpanKind getKind() {
    return switch (span.getKind()) {
      case SPAN_KIND_SERVER -> SpanKind.SERVER;
      case SPAN_KIND_CLIENT -> SpanKind.CLIENT;
      case SPAN_KIND_PRODUCER -> SpanKind.PRODUCER;
      case SPAN_KIND_CONSUMER -> SpanKind.CONSUMER;
      default -> SpanKind.INTERNAL;
    };
  }

  @Override
  public SpanContext getSpanContext() {
    return SpanContext.createFromRemoteParent(
        hex(span.getTraceId()),
        hex(span.getSpanId()),
        TraceFlags.getSampled(),
        TraceState.getDefault());
  }

  @Override
  public SpanContext getParentSpanContext() {
    if (span.getParentSpanId().isEmpty()) {
      return SpanContext.getInvalid();
    }
    return SpanContext.createFromRemoteParent(
        hex(span.getTraceId()),
        hex(span.getParentSpanId()),
        TraceFlags.getSampled(),
        TraceState.getDefault());
  }

  @Override
  public StatusData getStatus() {
    return switch (span.getStatus().getCode()) {
      case STATUS_CODE_OK -> StatusData.ok();
      case STATUS_CODE_ERROR -> StatusData.create(StatusCode.ERROR, span.getStatus().getMessage());
      default -> StatusData.unset();
    };
  }

  @Override
  public long getStartEpochNanos() {
    return span.getStartTimeUnixNano();
  }

  @Override
  public Attributes getAttributes() {
    return attributes;
  }

  @Override
  public List<EventData> getEvents() {
    return List.of();
  }

  @Override
  public List<LinkData> getLinks() {
    return List.of();
  }

  @Override
  public long getEndEpochNanos() {
    return span.getEndTimeUnixNano();
  }

  @Override
  public boolean hasEnded() {
    return true;
  }

  @Override
  public int getTotalRecordedEvents() {
    return 0;
  }

  @Override
  public int getTotalRecordedLinks() {
    return 0;
  }

  @Override
  public int getTotalAttributeCount() {
    return attributes.size();
  }

  @Override
  public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
    return InstrumentationLibraryInfo.create(scope.getName(), scope.getVersion());
  }

  @Override
  public InstrumentationScopeInfo getInstrumentationScopeInfo() {
    return scope;
  }

  @Override
  public Resource getResource() {
    return resource;
  }

  double doubleAttribute(String key) {
    Double d = attributes.get(AttributeKey.doubleKey(key));
    return d == null ? Double.NaN : d;
  }

  String stringAttribute(String key) {
    return attributes.get(AttributeKey.stringKey(key));
  }
}
