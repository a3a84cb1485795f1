package dev.infertrace.proxy.state;

import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.core.metrics.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * Scrapes one Prometheus endpoint every interval, off the request path, and hands each parsed page
 * to a consumer with its time. A scrape that fails — unreachable, bad status, garbage, slower than
 * the interval, a page over the size limit — is counted by reason and skipped; the next one is not
 * delayed by it.
 */
public final class Scraper implements AutoCloseable {
  /**
   * The default limit of a scraped page: 16 MiB (vLLM's page is ~100 KB, DCGM's per GPU ~10 KB).
   */
  public static final int DEFAULT_MAX_BYTES =
      Integer.parseInt(dev.infertrace.proxy.config.ProxyDefaults.SCRAPE_MAX_BYTES);

  private final URI url;
  private final int maxBytes;
  private final Duration interval;
  private final BiConsumer<Long, Exposition> sink;
  private final HttpClient http;
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private final java.util.concurrent.ScheduledFuture<?> task;

  public Scraper(
      URI url,
      Duration interval,
      ScheduledExecutorService timer,
      BiConsumer<Long, Exposition> sink) {
    this(url, interval, DEFAULT_MAX_BYTES, timer, sink);
  }

  /** As above, failing (reason {@code too_large}) a page over {@code maxBytes}, unread. */
  public Scraper(
      URI url,
      Duration interval,
      int maxBytes,
      ScheduledExecutorService timer,
      BiConsumer<Long, Exposition> sink) {
    this.url = url;
    this.maxBytes = maxBytes;
    this.interval = interval;
    this.sink = sink;
    this.http = PollClient.get();
    long ms = Math.max(1, interval.toMillis());
    this.task = timer.scheduleAtFixedRate(this::scrape, 0, ms, TimeUnit.MILLISECONDS);
  }

  private void scrape() {
    if (!inFlight.compareAndSet(false, true)) {
      fail("slow"); // the previous scrape is still running: longer than the interval
      return;
    }
    HttpRequest request =
        HttpRequest.newBuilder(url).timeout(interval.multipliedBy(3)).GET().build();
    http.sendAsync(request, BoundedBody.ofString(maxBytes))
        .whenComplete(
            (response, error) -> {
              inFlight.set(false);
              long now = dev.infertrace.proxy.state.Clock.now();
              if (error != null) {
                fail(BoundedBody.isTooLarge(error) ? "too_large" : "unreachable");
              } else if (response.statusCode() != 200) {
                fail("status_" + response.statusCode());
              } else {
                Exposition page = PrometheusText.parse(response.body());
                if (page.samples().isEmpty()) {
                  fail("garbage");
                } else {
                  try {
                    sink.accept(now, page);
                  } catch (RuntimeException e) {
                    fail("garbage");
                  }
                }
              }
            });
  }

  private void fail(String reason) {
    failures.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  /** Failed scrapes by reason: unreachable, status_NNN, garbage, slow, too_large. */
  public Map<String, Long> failures() {
    Map<String, Long> out = new java.util.TreeMap<>();
    failures.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  public URI url() {
    return url;
  }

  @Override
  public void close() {
    task.cancel(false);
  }
}
