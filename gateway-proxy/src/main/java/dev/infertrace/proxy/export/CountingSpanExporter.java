package dev.infertrace.proxy.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the spans an exporter delivered and those it failed to: the proxy's span self-telemetry.
 */
public final class CountingSpanExporter implements SpanExporter {
  private final SpanExporter delegate;
  private final AtomicLong exported = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  public CountingSpanExporter(SpanExporter delegate) {
    this.delegate = delegate;
  }

  public long exported() {
    return exported.get();
  }

  public long failed() {
    return failed.get();
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    int n = spans.size();
    CompletableResultCode result;
    try {
      result = delegate.export(spans);
    } catch (RuntimeException e) {
      failed.addAndGet(n);
      return CompletableResultCode.ofFailure();
    }
    result.whenComplete(() -> (result.isSuccess() ? exported : failed).addAndGet(n));
    return result;
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }
}
