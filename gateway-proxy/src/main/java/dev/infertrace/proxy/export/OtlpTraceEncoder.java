package dev.infertrace.proxy.export;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Spans to the protobuf bytes of an OTLP {@code ExportTraceServiceRequest}
 * (opentelemetry/proto/collector/trace/v1), in one pass over each span into a reused buffer.
 *
 * <p>Why not the SDK's marshaler: at saturation it was the largest part of the export's cost (a
 * size pass, then a write pass through a generic serializer with a map lookup per attribute key;
 * BENCHMARKS.md). Here each nested message is written with a one-byte length placeholder that is
 * widened in place, by moving the message's bytes, only when the message is 128 bytes or longer.
 * The output parses to the same message as the SDK's ({@code OtlpTraceEncoderTest}).
 *
 * <p>Not thread-safe: one encoder per exporting thread, or calls serialised by the caller.
 */
final class OtlpTraceEncoder {
  // ExportTraceServiceRequest
  private static final int REQUEST_RESOURCE_SPANS = 1;
  // ResourceSpans
  private static final int RS_RESOURCE = 1;
  private static final int RS_SCOPE_SPANS = 2;
  private static final int RS_SCHEMA_URL = 3;
  // Resource
  private static final int RESOURCE_ATTRIBUTES = 1;
  // ScopeSpans
  private static final int SS_SCOPE = 1;
  private static final int SS_SPANS = 2;
  private static final int SS_SCHEMA_URL = 3;
  // InstrumentationScope
  private static final int SCOPE_NAME = 1;
  private static final int SCOPE_VERSION = 2;
  private static final int SCOPE_ATTRIBUTES = 3;
  // Span
  private static final int SPAN_TRACE_ID = 1;
  private static final int SPAN_SPAN_ID = 2;
  private static final int SPAN_TRACE_STATE = 3;
  private static final int SPAN_PARENT_SPAN_ID = 4;
  private static final int SPAN_NAME = 5;
  private static final int SPAN_KIND = 6;
  private static final int SPAN_START = 7;
  private static final int SPAN_END = 8;
  private static final int SPAN_ATTRIBUTES = 9;
  private static final int SPAN_DROPPED_ATTRIBUTES = 10;
  private static final int SPAN_EVENTS = 11;
  private static final int SPAN_DROPPED_EVENTS = 12;
  private static final int SPAN_LINKS = 13;
  private static final int SPAN_DROPPED_LINKS = 14;
  private static final int SPAN_STATUS = 15;
  private static final int SPAN_FLAGS = 16;
  // Span.Event
  private static final int EVENT_TIME = 1;
  private static final int EVENT_NAME = 2;
  private static final int EVENT_ATTRIBUTES = 3;
  private static final int EVENT_DROPPED_ATTRIBUTES = 4;
  // Span.Link
  private static final int LINK_TRACE_ID = 1;
  private static final int LINK_SPAN_ID = 2;
  private static final int LINK_TRACE_STATE = 3;
  private static final int LINK_ATTRIBUTES = 4;
  private static final int LINK_DROPPED_ATTRIBUTES = 5;
  private static final int LINK_FLAGS = 6;
  // Status
  private static final int STATUS_MESSAGE = 2;
  private static final int STATUS_CODE = 3;
  // KeyValue, AnyValue, ArrayValue
  private static final int KV_KEY = 1;
  private static final int KV_VALUE = 2;
  private static final int ANY_STRING = 1;
  private static final int ANY_BOOL = 2;
  private static final int ANY_INT = 3;
  private static final int ANY_DOUBLE = 4;
  private static final int ANY_ARRAY = 5;
  private static final int ARRAY_VALUES = 1;

  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  // Span.flags bits besides the W3C trace flags (trace.proto, SpanFlags)
  private static final int FLAG_HAS_IS_REMOTE = 0x100;
  private static final int FLAG_IS_REMOTE = 0x200;

  private byte[] buf = new byte[64 * 1024];
  private int pos;

  /** Start offsets of the messages being written, innermost last. */
  private int[] open = new int[16];

  private int depth;
  private final BiConsumer<AttributeKey<?>, Object> attribute = this::attribute;

  /** The field the attributes being written belong to (span, event, link, resource, scope). */
  private int attributesField;

  /** The request's bytes; the array is the encoder's own, valid until the next call. */
  Encoded encode(Collection<? extends SpanData> spans) {
    pos = 0;
    depth = 0;
    for (ResourceGroup r : group(spans)) {
      begin(REQUEST_RESOURCE_SPANS);
      begin(RS_RESOURCE);
      attributes(RESOURCE_ATTRIBUTES, r.resource.getAttributes());
      end();
      for (ScopeGroup s : r.scopes) {
        begin(RS_SCOPE_SPANS);
        begin(SS_SCOPE);
        string(SCOPE_NAME, s.scope.getName());
        string(SCOPE_VERSION, s.scope.getVersion());
        attributes(SCOPE_ATTRIBUTES, s.scope.getAttributes());
        end();
        for (SpanData span : s.spans) {
          span(span);
        }
        string(SS_SCHEMA_URL, s.scope.getSchemaUrl());
        end();
      }
      string(RS_SCHEMA_URL, r.resource.getSchemaUrl());
      end();
    }
    return new Encoded(buf, pos);
  }

  /** A view of encoded bytes: {@code bytes[0, length)}. */
  record Encoded(byte[] bytes, int length) {
    byte[] copy() {
      return Arrays.copyOf(bytes, length);
    }
  }

  private void span(SpanData span) {
    begin(SS_SPANS);
    SpanContext context = span.getSpanContext();
    hexBytes(SPAN_TRACE_ID, context.getTraceId());
    hexBytes(SPAN_SPAN_ID, context.getSpanId());
    traceState(SPAN_TRACE_STATE, context.getTraceState());
    SpanContext parent = span.getParentSpanContext();
    if (parent.isValid()) {
      hexBytes(SPAN_PARENT_SPAN_ID, parent.getSpanId());
    }
    string(SPAN_NAME, span.getName());
    uint(SPAN_KIND, span.getKind().ordinal() + 1); // INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER
    fixed64(SPAN_START, span.getStartEpochNanos());
    fixed64(SPAN_END, span.getEndEpochNanos());
    Attributes attributes = span.getAttributes();
    attributes(SPAN_ATTRIBUTES, attributes);
    uint(SPAN_DROPPED_ATTRIBUTES, span.getTotalAttributeCount() - attributes.size());
    List<EventData> events = span.getEvents();
    for (int i = 0; i < events.size(); i++) {
      EventData e = events.get(i);
      begin(SPAN_EVENTS);
      fixed64(EVENT_TIME, e.getEpochNanos());
      string(EVENT_NAME, e.getName());
      attributes(EVENT_ATTRIBUTES, e.getAttributes());
      uint(EVENT_DROPPED_ATTRIBUTES, e.getDroppedAttributesCount());
      end();
    }
    uint(SPAN_DROPPED_EVENTS, span.getTotalRecordedEvents() - events.size());
    List<LinkData> links = span.getLinks();
    for (int i = 0; i < links.size(); i++) {
      LinkData l = links.get(i);
      SpanContext linked = l.getSpanContext();
      begin(SPAN_LINKS);
      hexBytes(LINK_TRACE_ID, linked.getTraceId());
      hexBytes(LINK_SPAN_ID, linked.getSpanId());
      traceState(LINK_TRACE_STATE, linked.getTraceState());
      attributes(LINK_ATTRIBUTES, l.getAttributes());
      uint(LINK_DROPPED_ATTRIBUTES, l.getTotalAttributeCount() - l.getAttributes().size());
      fixed32(LINK_FLAGS, flags(linked, linked.isRemote()));
      end();
    }
    uint(SPAN_DROPPED_LINKS, span.getTotalRecordedLinks() - links.size());
    StatusData status = span.getStatus();
    begin(SPAN_STATUS);
    string(STATUS_MESSAGE, status.getDescription());
    uint(STATUS_CODE, statusCode(status.getStatusCode()));
    end();
    fixed32(SPAN_FLAGS, flags(context, parent.isRemote()));
    end();
  }

  private static int flags(SpanContext context, boolean remote) {
    int flags = (context.getTraceFlags().asByte() & 0xff) | FLAG_HAS_IS_REMOTE;
    return remote ? flags | FLAG_IS_REMOTE : flags;
  }

  private static int statusCode(StatusCode code) {
    return switch (code) {
      case UNSET -> 0;
      case OK -> 1;
      case ERROR -> 2;
    };
  }

  private void attributes(int field, Attributes attributes) {
    if (attributes.isEmpty()) {
      return;
    }
    attributesField = field;
    attributes.forEach(attribute);
  }

  private void attribute(AttributeKey<?> key, Object value) {
    begin(attributesField);
    key(key.getKey());
    begin(KV_VALUE);
    switch (key.getType()) {
      case STRING -> stringAlways(ANY_STRING, (String) value);
      case BOOLEAN -> boolAlways(ANY_BOOL, (Boolean) value);
      case LONG -> longAlways(ANY_INT, (Long) value);
      case DOUBLE -> doubleAlways(ANY_DOUBLE, (Double) value);
      case STRING_ARRAY -> array(value, v -> stringAlways(ANY_STRING, (String) v));
      case BOOLEAN_ARRAY -> array(value, v -> boolAlways(ANY_BOOL, (Boolean) v));
      case LONG_ARRAY -> array(value, v -> longAlways(ANY_INT, (Long) v));
      case DOUBLE_ARRAY -> array(value, v -> doubleAlways(ANY_DOUBLE, (Double) v));
    }
    end();
    end();
  }

  /** An {@code ArrayValue}: each element an {@code AnyValue} written by {@code element}. */
  private void array(Object values, java.util.function.Consumer<Object> element) {
    begin(ANY_ARRAY);
    for (Object v : (List<?>) values) {
      begin(ARRAY_VALUES);
      element.accept(v);
      end();
    }
    end();
  }

  // --- grouping: the request nests spans under their resource, then their scope ---

  private static final class ResourceGroup {
    final Resource resource;
    final List<ScopeGroup> scopes = new ArrayList<>(2);

    ResourceGroup(Resource resource) {
      this.resource = resource;
    }
  }

  private static final class ScopeGroup {
    final InstrumentationScopeInfo scope;
    final List<SpanData> spans = new ArrayList<>();

    ScopeGroup(InstrumentationScopeInfo scope) {
      this.scope = scope;
    }
  }

  /**
   * In order of first appearance. A process has one resource and a handful of scopes, so a linear
   * scan (identity first, as spans share the instances) beats hashing every span's resource.
   */
  private static List<ResourceGroup> group(Collection<? extends SpanData> spans) {
    List<ResourceGroup> groups = new ArrayList<>(1);
    ResourceGroup lastResource = null;
    ScopeGroup lastScope = null;
    for (SpanData span : spans) {
      Resource resource = span.getResource();
      InstrumentationScopeInfo scope = span.getInstrumentationScopeInfo();
      if (lastResource == null || lastResource.resource != resource) {
        lastResource = null;
        for (ResourceGroup g : groups) {
          if (g.resource == resource || g.resource.equals(resource)) {
            lastResource = g;
            break;
          }
        }
        if (lastResource == null) {
          lastResource = new ResourceGroup(resource);
          groups.add(lastResource);
        }
        lastScope = null;
      }
      if (lastScope == null || lastScope.scope != scope) {
        lastScope = null;
        for (ScopeGroup g : lastResource.scopes) {
          if (g.scope == scope || g.scope.equals(scope)) {
            lastScope = g;
            break;
          }
        }
        if (lastScope == null) {
          lastScope = new ScopeGroup(scope);
          lastResource.scopes.add(lastScope);
        }
      }
      lastScope.spans.add(span);
    }
    return groups;
  }

  // --- protobuf wire format ---

  /** Starts a length-delimited field; its length is written by {@link #end()}. */
  private void begin(int field) {
    tag(field, LENGTH_DELIMITED);
    ensure(1);
    if (depth == open.length) {
      open = Arrays.copyOf(open, depth * 2);
    }
    pos++; // one byte for the length, widened in end() if the message needs more
    open[depth++] = pos;
  }

  private void end() {
    int start = open[--depth];
    int length = pos - start;
    int width = varintSize(length);
    if (width > 1) {
      ensure(width - 1);
      System.arraycopy(buf, start, buf, start + width - 1, length);
      pos += width - 1;
    }
    int at = start - 1;
    int v = length;
    while ((v & ~0x7F) != 0) {
      buf[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[at] = (byte) v;
  }

  private void tag(int field, int wireType) {
    varint((field << 3) | wireType);
  }

  private void uint(int field, int value) {
    if (value != 0) {
      tag(field, VARINT);
      varint(value & 0xFFFFFFFFL);
    }
  }

  private void fixed64(int field, long value) {
    if (value != 0) {
      tag(field, FIXED64);
      rawFixed64(value);
    }
  }

  private void fixed32(int field, int value) {
    if (value != 0) {
      tag(field, FIXED32);
      ensure(4);
      for (int i = 0; i < 4; i++) {
        buf[pos++] = (byte) (value >>> (8 * i));
      }
    }
  }

  /** A string field, left out when null or empty (proto3's default). */
  private void string(int field, String value) {
    if (value != null && !value.isEmpty()) {
      stringAlways(field, value);
    }
  }

  /**
   * A string written even when empty: a oneof member (AnyValue) has presence. The JDK's UTF-8
   * encoding of a Latin-1 string is a vectorised check and copy, cheaper than a loop over chars.
   */
  private void stringAlways(int field, String value) {
    tag(field, LENGTH_DELIMITED);
    raw(value.getBytes(StandardCharsets.UTF_8));
  }

  /** Length and bytes. */
  private void raw(byte[] bytes) {
    varint(bytes.length);
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, pos, bytes.length);
    pos += bytes.length;
  }

  /**
   * An attribute key, as its field's tag, length and UTF-8 bytes, from a cache: a process's spans
   * use a few dozen keys, each the same {@code String} instance every time (its {@code
   * AttributeKey}'s), so an identity lookup replaces the encoding. Bounded: a process that makes
   * keys without end only refills it.
   */
  private void key(String key) {
    byte[] encoded = keys.get(key);
    if (encoded == null) {
      byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
      int at = pos;
      tag(KV_KEY, LENGTH_DELIMITED);
      raw(utf8);
      encoded = Arrays.copyOfRange(buf, at, pos);
      if (keys.size() >= MAX_CACHED_KEYS) {
        keys.clear();
      }
      keys.put(key, encoded);
      return;
    }
    ensure(encoded.length);
    System.arraycopy(encoded, 0, buf, pos, encoded.length);
    pos += encoded.length;
  }

  private static final int MAX_CACHED_KEYS = 512;
  private final java.util.IdentityHashMap<String, byte[]> keys = new java.util.IdentityHashMap<>();

  private void boolAlways(int field, boolean value) {
    tag(field, VARINT);
    ensure(1);
    buf[pos++] = (byte) (value ? 1 : 0);
  }

  private void longAlways(int field, long value) {
    tag(field, VARINT);
    varint(value);
  }

  private void doubleAlways(int field, double value) {
    tag(field, FIXED64);
    rawFixed64(Double.doubleToRawLongBits(value));
  }

  /** A trace or span id given in lowercase hex, as its bytes; left out when empty. */
  private void hexBytes(int field, String hex) {
    int n = hex.length() / 2;
    if (n == 0) {
      return;
    }
    tag(field, LENGTH_DELIMITED);
    varint(n);
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[pos++] = (byte) ((nibble(hex.charAt(2 * i)) << 4) | nibble(hex.charAt(2 * i + 1)));
    }
  }

  private static int nibble(char c) {
    return c < 128 ? HEX[c] : 0;
  }

  private static final byte[] HEX = new byte[128];

  static {
    for (int c = 0; c < 128; c++) {
      HEX[c] =
          (byte)
              (c >= '0' && c <= '9'
                  ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0);
    }
  }

  /** The W3C tracestate header form ({@code key=value,...}), as the SDK writes it. */
  private void traceState(int field, TraceState state) {
    if (state.isEmpty()) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    state.forEach(
        (k, v) -> {
          if (sb.length() > 0) {
            sb.append(',');
          }
          sb.append(k).append('=').append(v);
        });
    stringAlways(field, sb.toString());
  }

  private void varint(long value) {
    ensure(10);
    while ((value & ~0x7FL) != 0) {
      buf[pos++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    buf[pos++] = (byte) value;
  }

  private void rawFixed64(long value) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[pos++] = (byte) (value >>> (8 * i));
    }
  }

  private static int varintSize(int value) {
    return value < 0x80
        ? 1
        : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
  }

  private void ensure(int more) {
    if (pos + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
    }
  }
}
