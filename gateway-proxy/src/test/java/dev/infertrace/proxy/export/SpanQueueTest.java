package dev.infertrace.proxy.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Batches in flight at once: real SDK spans into the queue, an exporter whose answers the test
 * gives by hand (as a receiver that is slow to answer), and the counts checked at each step: never
 * more batches unanswered than allowed, each span counted once, a flush that waits for answers.
 */
class SpanQueueTest {
  /** Takes each batch and answers only when the test says so. */
  private static final class HeldExporter {
    final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
    final List<CompletableResultCode> all = new java.util.concurrent.CopyOnWriteArrayList<>();

    CompletableResultCode export(Collection<SpanData> spans) {
      CompletableResultCode result = new CompletableResultCode();
      all.add(result);
      sent.add(new Sent(new ArrayList<>(spans), result));
      return result;
    }

    Sent next() throws InterruptedException {
      Sent s = sent.poll(10, TimeUnit.SECONDS);
      assertThat(s).as("a batch reached the exporter").isNotNull();
      return s;
    }
  }

  private record Sent(List<SpanData> spans, CompletableResultCode result) {}

  private final HeldExporter exporter = new HeldExporter();
  private SdkTracerProvider provider;

  private SpanQueue queue(int inFlight, Duration exportTimeout) {
    SpanQueue q =
        SpanQueue.builder(SpanExporters.of(exporter::export))
            .maxQueueSize(64)
            .maxExportBatchSize(4)
            .scheduleDelay(Duration.ofSeconds(60)) // batches go out because they are full
            .exportTimeout(exportTimeout)
            .maxConcurrentExports(inFlight)
            .build();
    provider = SdkTracerProvider.builder().addSpanProcessor(q).build();
    return q;
  }

  @AfterEach
  void close() {
    exporter.all.forEach(CompletableResultCode::succeed); // no-op for those answered
    if (provider != null) {
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  private void spans(int n) {
    Tracer tracer = provider.get("test");
    for (int i = 0; i < n; i++) {
      tracer.spanBuilder("s" + i).startSpan().end();
    }
  }

  @Test
  void twoBatchesAwaitTheReceiverAtOnceNotThree() throws Exception {
    SpanQueue q = queue(2, Duration.ofSeconds(30));
    spans(12); // three full batches
    Sent first = exporter.next();
    Sent second = exporter.next();
    // Both unanswered: the third batch waits in the queue, not in a third request.
    assertThat(exporter.sent.poll(300, TimeUnit.MILLISECONDS)).isNull();
    assertThat(q.counts().queued()).isEqualTo(12);

    first.result().succeed();
    Sent third = exporter.next();
    assertThat(third.spans()).hasSize(4);
    second.result().succeed();
    third.result().fail();
    SpanQueue.Counts c = awaitQueued(q, 0);
    assertThat(c.created()).isEqualTo(12);
    assertThat(c.exported()).isEqualTo(8);
    assertThat(c.exportFailed()).isEqualTo(4);
  }

  @Test
  void aNewerBatchAnsweredFirstFreesItsSlot() throws Exception {
    queue(2, Duration.ofSeconds(30));
    spans(12);
    Sent first = exporter.next();
    Sent second = exporter.next();
    second.result().succeed(); // the oldest is still unanswered
    assertThat(exporter.next().spans()).hasSize(4);
    first.result().succeed();
  }

  @Test
  void oneInFlightIsTheSdksWay() throws Exception {
    queue(1, Duration.ofSeconds(30));
    spans(8);
    Sent first = exporter.next();
    assertThat(exporter.sent.poll(300, TimeUnit.MILLISECONDS)).isNull();
    first.result().succeed();
    assertThat(exporter.next().spans()).hasSize(4);
  }

  @Test
  void aBatchUnansweredPastTheTimeoutCountsAsFailedOnceEvenIfItSucceedsLater() throws Exception {
    SpanQueue q = queue(1, Duration.ofMillis(200));
    spans(8);
    Sent late = exporter.next();
    // The worker gives up on it after 200 ms, counts it failed, and sends the next batch.
    Sent next = exporter.next();
    assertThat(q.counts().exportFailed()).isEqualTo(4);
    late.result().succeed(); // a late answer changes nothing
    next.result().succeed();
    SpanQueue.Counts c = awaitQueued(q, 0);
    assertThat(c.exportFailed()).isEqualTo(4);
    assertThat(c.exported()).isEqualTo(4);
    assertThat(c.created()).isEqualTo(c.exported() + c.exportFailed());
  }

  @Test
  void aFlushCompletesOnlyOnceWhatItCoveredWasAnswered() throws Exception {
    SpanQueue q = queue(2, Duration.ofSeconds(30));
    spans(3); // less than a batch: only the flush sends it
    CompletableResultCode flushed = q.forceFlush();
    Sent sent = exporter.next();
    assertThat(sent.spans()).hasSize(3);
    Thread.sleep(200);
    assertThat(flushed.isDone()).as("flush done before the receiver answered").isFalse();
    sent.result().succeed();
    assertThat(flushed.join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(q.counts().exported()).isEqualTo(3);
    assertThat(q.counts().queued()).isZero();
  }

  @Test
  void theBuilderRefusesNoBatchInFlight() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> SpanQueue.builder(SpanExporters.of(exporter::export)).maxConcurrentExports(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxConcurrentExports");
  }

  private static SpanQueue.Counts awaitQueued(SpanQueue q, long queued)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    SpanQueue.Counts c = q.counts();
    while (c.queued() != queued && System.nanoTime() < deadline) {
      Thread.sleep(5);
      c = q.counts();
    }
    assertThat(c.queued()).isEqualTo(queued);
    return c;
  }
}
