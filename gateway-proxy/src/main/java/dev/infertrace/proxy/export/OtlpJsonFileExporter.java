package dev.infertrace.proxy.export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes spans as OTLP JSON lines — one {@code ExportTraceServiceRequest} per line, the format of
 * the Collector's file exporter and receiver — to a file. The file is bounded: a line that would
 * take it over {@code maxBytes} first rotates it ({@code f} becomes {@code f.1}, {@code f.1}
 * becomes {@code f.2}, … up to {@code keep}; the oldest is deleted), so the spans take at most
 * {@code (keep + 1) × maxBytes} on disk. Thread-safe; a write failure fails the export (the queue
 * counts it) and is logged once, never thrown.
 */
public final class OtlpJsonFileExporter implements SpanExporter {
  private static final Logger LOG = Logger.getLogger(OtlpJsonFileExporter.class.getName());
  private static final JsonFactory JSON = new JsonFactory();

  /** Default size of one file: 100 MiB. */
  public static final long DEFAULT_MAX_BYTES =
      Long.parseLong(dev.infertrace.proxy.config.ProxyDefaults.TRACE_FILE_MAX_BYTES);

  /** Default number of rotated files kept beside the current one. */
  public static final int DEFAULT_KEEP =
      Integer.parseInt(dev.infertrace.proxy.config.ProxyDefaults.TRACE_FILE_KEEP);

  private final Path path;
  private final long maxBytes;
  private final int keep;
  private OutputStream out;
  private long size;
  private final AtomicLong exported = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private boolean closed;
  private boolean warned;

  private OtlpJsonFileExporter(Path path, long maxBytes, int keep) throws IOException {
    this.path = path;
    this.maxBytes = maxBytes;
    this.keep = keep;
    this.out = append(path);
    this.size = Files.size(path);
  }

  /** Appends to {@code path}, creating it (and its directory) when needed; default bounds. */
  public static OtlpJsonFileExporter open(Path path) throws IOException {
    return open(path, DEFAULT_MAX_BYTES, DEFAULT_KEEP);
  }

  /**
   * Appends to {@code path}, creating it (and its directory) when needed, rotating it at {@code
   * maxBytes} and keeping {@code keep} rotated files (0: the full file is started again).
   */
  public static OtlpJsonFileExporter open(Path path, long maxBytes, int keep) throws IOException {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("--trace-file-max-bytes must be >= 1, got " + maxBytes);
    }
    if (keep < 0) {
      throw new IllegalArgumentException("--trace-file-keep must be >= 0, got " + keep);
    }
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    return new OtlpJsonFileExporter(path, maxBytes, keep);
  }

  private static OutputStream append(Path path) throws IOException {
    return new BufferedOutputStream(
        Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
  }

  /** {@code f.keep} deleted, each {@code f.i} renamed {@code f.(i+1)}, {@code f} to {@code f.1}. */
  private void rotate() throws IOException {
    out.close();
    if (keep == 0) {
      Files.deleteIfExists(path);
    } else {
      Files.deleteIfExists(rotated(keep));
      for (int i = keep - 1; i >= 1; i--) {
        if (Files.exists(rotated(i))) {
          Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(path, rotated(1), StandardCopyOption.REPLACE_EXISTING);
    }
    out = append(path);
    size = 0;
  }

  private Path rotated(int i) {
    return path.resolveSibling(path.getFileName() + "." + i);
  }

  public Path path() {
    return path;
  }

  /** Spans written. */
  public long exported() {
    return exported.get();
  }

  /** Spans that could not be written. */
  public long failed() {
    return failed.get();
  }

  @Override
  public synchronized CompletableResultCode export(Collection<SpanData> spans) {
    if (closed) {
      failed.addAndGet(spans.size());
      return CompletableResultCode.ofFailure();
    }
    try {
      byte[] line = (toJsonLine(spans) + "\n").getBytes(StandardCharsets.UTF_8);
      if (size > 0 && size + line.length > maxBytes) {
        rotate();
      }
      out.write(line);
      out.flush();
      size += line.length;
      exported.addAndGet(spans.size());
      return CompletableResultCode.ofSuccess();
    } catch (IOException e) {
      failed.addAndGet(spans.size());
      if (!warned) {
        warned = true;
        LOG.log(Level.WARNING, "cannot write spans to " + path + ": " + e.getMessage());
      }
      return CompletableResultCode.ofFailure();
    }
  }

  @Override
  public synchronized CompletableResultCode flush() {
    try {
      out.flush();
      return CompletableResultCode.ofSuccess();
    } catch (IOException e) {
      return CompletableResultCode.ofFailure();
    }
  }

  @Override
  public synchronized CompletableResultCode shutdown() {
    if (!closed) {
      closed = true;
      try {
        out.close();
      } catch (IOException e) {
        return CompletableResultCode.ofFailure();
      }
    }
    return CompletableResultCode.ofSuccess();
  }

  /** One OTLP JSON {@code ExportTraceServiceRequest} for {@code spans}. */
  static String toJsonLine(Collection<SpanData> spans) throws IOException {
    Map<Resource, Map<InstrumentationScopeInfo, List<SpanData>>> grouped = new LinkedHashMap<>();
    for (SpanData s : spans) {
      grouped
          .computeIfAbsent(s.getResource(), r -> new LinkedHashMap<>())
          .computeIfAbsent(s.getInstrumentationScopeInfo(), i -> new ArrayList<>())
          .add(s);
    }
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeStartObject();
      g.writeArrayFieldStart("resourceSpans");
      for (var byResource : grouped.entrySet()) {
        g.writeStartObject();
        g.writeObjectFieldStart("resource");
        attributes(g, byResource.getKey().getAttributes());
        g.writeEndObject();
        g.writeArrayFieldStart("scopeSpans");
        for (var byScope : byResource.getValue().entrySet()) {
          g.writeStartObject();
          g.writeObjectFieldStart("scope");
          g.writeStringField("name", byScope.getKey().getName());
          if (byScope.getKey().getVersion() != null) {
            g.writeStringField("version", byScope.getKey().getVersion());
          }
          g.writeEndObject();
          g.writeArrayFieldStart("spans");
          for (SpanData s : byScope.getValue()) {
            span(g, s);
          }
          g.writeEndArray();
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return w.toString();
  }

  private static void span(JsonGenerator g, SpanData s) throws IOException {
    g.writeStartObject();
    g.writeStringField("traceId", s.getTraceId());
    g.writeStringField("spanId", s.getSpanId());
    if (s.getParentSpanContext().isValid()) {
      g.writeStringField("parentSpanId", s.getParentSpanId());
    }
    g.writeStringField("name", s.getName());
    g.writeNumberField("kind", s.getKind().ordinal() + 1); // INTERNAL=1 ... CONSUMER=5, as OTLP
    g.writeStringField("startTimeUnixNano", Long.toString(s.getStartEpochNanos()));
    g.writeStringField("endTimeUnixNano", Long.toString(s.getEndEpochNanos()));
    attributes(g, s.getAttributes());
    if (!s.getEvents().isEmpty()) {
      g.writeArrayFieldStart("events");
      for (EventData e : s.getEvents()) {
        g.writeStartObject();
        g.writeStringField("timeUnixNano", Long.toString(e.getEpochNanos()));
        g.writeStringField("name", e.getName());
        attributes(g, e.getAttributes());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeObjectFieldStart("status");
    int code =
        switch (s.getStatus().getStatusCode()) {
          case UNSET -> 0;
          case OK -> 1;
          case ERROR -> 2;
        };
    g.writeNumberField("code", code);
    if (!s.getStatus().getDescription().isEmpty()) {
      g.writeStringField("message", s.getStatus().getDescription());
    }
    g.writeEndObject();
    g.writeEndObject();
  }

  private static void attributes(JsonGenerator g, Attributes attributes) throws IOException {
    g.writeArrayFieldStart("attributes");
    for (Map.Entry<AttributeKey<?>, Object> e : attributes.asMap().entrySet()) {
      g.writeStartObject();
      g.writeStringField("key", e.getKey().getKey());
      g.writeFieldName("value");
      value(g, e.getValue());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void value(JsonGenerator g, Object v) throws IOException {
    g.writeStartObject();
    if (v instanceof String s) {
      g.writeStringField("stringValue", s);
    } else if (v instanceof Boolean b) {
      g.writeBooleanField("boolValue", b);
    } else if (v instanceof Long || v instanceof Integer) {
      g.writeStringField("intValue", v.toString()); // int64 is a string in OTLP JSON
    } else if (v instanceof Double || v instanceof Float) {
      g.writeNumberField("doubleValue", ((Number) v).doubleValue());
    } else if (v instanceof List<?> list) {
      g.writeObjectFieldStart("arrayValue");
      g.writeArrayFieldStart("values");
      for (Object item : list) {
        value(g, item);
      }
      g.writeEndArray();
      g.writeEndObject();
    } else {
      g.writeStringField("stringValue", String.valueOf(v));
    }
    g.writeEndObject();
  }
}
