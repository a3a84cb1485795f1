package dev.infertrace.testbed.otlp;

import dev.infertrace.proxy.otlp.OtlpReceiver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * An in-process OTLP trace receiver on loopback: OTLP/gRPC and OTLP/HTTP (protobuf) on free ports.
 * It keeps every span it receives, so a test can assert on what an exporter really sent, and can be
 * told to refuse exports, to stand for a failing collector. See {@code src/docs/otlp-sink.md}.
 *
 * <p>Thread-safe.
 */
public final class OtlpSink implements AutoCloseable {
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  private final AtomicLong spanCount = new AtomicLong();
  private final boolean keeping;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicBoolean rejecting = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final OtlpReceiver receiver;

  private OtlpSink(boolean keeping) throws IOException, InterruptedException {
    this.keeping = keeping;
    receiver =
        OtlpReceiver.start(
            new InetSocketAddress("127.0.0.1", 0),
            new InetSocketAddress("127.0.0.1", 0),
            new OtlpReceiver.Listener() {
              @Override
              public boolean accepting() {
                return !rejecting.get();
              }

              @Override
              public void accept(ExportTraceServiceRequest request, String transport) {
                OtlpSink.this.accept(request, transport);
              }

              @Override
              public void countRejected() {
                rejected.incrementAndGet();
              }
            },
            true);
  }

  /** Starts both receivers on 127.0.0.1; every span received is kept. */
  public static OtlpSink start() throws IOException, InterruptedException {
    return new OtlpSink(true);
  }

  /**
   * Starts both receivers on 127.0.0.1, decoding every export as a collector does but keeping only
   * the count of its spans ({@link #spanCount()}; {@link #spans()} stays empty): for a benchmark,
   * whose process would otherwise hold every span of the run, copy the list on each export and
   * collect a growing heap while it measures latency.
   */
  public static OtlpSink counting() throws IOException, InterruptedException {
    return new OtlpSink(false);
  }

  /** {@code http://127.0.0.1:PORT} of the OTLP/gRPC receiver. */
  public String grpcEndpoint() {
    return "http://127.0.0.1:" + receiver.grpcPort();
  }

  /** {@code http://127.0.0.1:PORT} of the OTLP/HTTP receiver; traces go to {@code /v1/traces}. */
  public String httpEndpoint() {
    return "http://127.0.0.1:" + receiver.httpPort();
  }

  /** How many spans were received so far (kept or only counted). */
  public long spanCount() {
    return spanCount.get();
  }

  /** Every span received so far; empty for a {@link #counting()} sink. */
  public List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  /**
   * Waits until {@code count} spans matching {@code filter} have arrived and returns them; fails
   * with the spans it did see when they do not come within {@code timeout}.
   */
  public List<ReceivedSpan> awaitSpans(
      Predicate<ReceivedSpan> filter, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<ReceivedSpan> matching = spans.stream().filter(filter).toList();
      if (matching.size() >= count) {
        return matching;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "expected "
                + count
                + " matching span(s) within "
                + timeout
                + ", got "
                + matching.size()
                + "; all received: "
                + spans.stream().map(s -> s.name() + "@" + s.transport()).toList());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for spans", e);
      }
    }
  }

  /** Forgets the spans received so far. */
  public void clear() {
    spans.clear();
  }

  /** While true, every export is refused (gRPC UNAVAILABLE, HTTP 503) and nothing is kept. */
  public void setRejecting(boolean reject) {
    rejecting.set(reject);
  }

  /** Export requests accepted. */
  public long received() {
    return received.get();
  }

  /** Export requests refused (rejecting mode or a malformed body). */
  public long rejected() {
    return rejected.get();
  }

  /** Stops both receivers. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      receiver.close();
    }
  }

  void accept(ExportTraceServiceRequest request, String transport) {
    received.incrementAndGet();
    List<ReceivedSpan> batch = new ArrayList<>();
    int count = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        count += ss.getSpansCount();
        if (keeping) {
          for (Span span : ss.getSpansList()) {
            batch.add(new ReceivedSpan(rs.getResource(), ss.getScope(), span, transport));
          }
        }
      }
    }
    spans.addAll(batch);
    spanCount.addAndGet(count);
  }
}
