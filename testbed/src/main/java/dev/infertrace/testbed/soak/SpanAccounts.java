package dev.infertrace.testbed.soak;

import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.MetricSample;
import dev.infertrace.core.metrics.PrometheusText;
import dev.infertrace.proxy.export.SpanQueue;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The span counts each proxy serves on its {@code /metrics}: created, exported, dropped by reason,
 * queued. Every span is accounted when {@code created = exported + dropped + queued}, and after a
 * flush {@code queued} is 0.
 */
final class SpanAccounts {
  /** One proxy's counts. */
  record Counts(long created, long exported, Map<String, Long> dropped, long queued) {
    long droppedTotal() {
      return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    boolean balanced() {
      return created == exported + droppedTotal() + queued;
    }

    Counts plus(Counts o) {
      Map<String, Long> d = new LinkedHashMap<>(dropped);
      o.dropped.forEach((k, v) -> d.merge(k, v, Long::sum));
      return new Counts(created + o.created, exported + o.exported, d, queued + o.queued);
    }

    static Counts zero() {
      Map<String, Long> d = new LinkedHashMap<>();
      for (SpanQueue.Drop r : SpanQueue.Drop.values()) {
        d.put(r.label(), 0L);
      }
      return new Counts(0, 0, d, 0);
    }
  }

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private SpanAccounts() {}

  /** Reads the counts from a {@code /metrics} page. */
  static Counts read(URI metrics) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(metrics + " answered " + r.statusCode());
    }
    return parse(r.body());
  }

  /** The counts on one page. */
  static Counts parse(String page) {
    Exposition e = PrometheusText.parse(page);
    Map<String, Long> dropped = Counts.zero().dropped();
    long exported = 0;
    for (MetricSample s : e.samples("infertrace_spans_total")) {
      String outcome = s.labels().get("outcome");
      if ("exported".equals(outcome)) {
        exported += (long) s.value();
      } else if ("dropped".equals(outcome)) {
        dropped.merge(s.labels().getOrDefault("reason", "other"), (long) s.value(), Long::sum);
      }
    }
    return new Counts(
        (long) e.value("infertrace_spans_created_total"),
        exported,
        dropped,
        (long) e.value("infertrace_spans_queued"));
  }
}
