package dev.infertrace.proxy.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.function.Function;

/** Exporters made of a function, or of another exporter that something else owns. */
public final class SpanExporters {
  private SpanExporters() {}

  /** An exporter that calls {@code export}; its flush and shutdown succeed at once. */
  public static SpanExporter of(Function<Collection<SpanData>, CompletableResultCode> export) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        return export.apply(spans);
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
  }

  /**
   * {@code owned} as seen by a user that does not own it (a processor of the SDK, one of several
   * tracer providers sharing it): exports and flushes go through, its shutdown only flushes.
   */
  public static SpanExporter unowned(SpanExporter owned) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        return owned.export(spans);
      }

      @Override
      public CompletableResultCode flush() {
        return owned.flush();
      }

      @Override
      public CompletableResultCode shutdown() {
        return owned.flush();
      }
    };
  }
}
