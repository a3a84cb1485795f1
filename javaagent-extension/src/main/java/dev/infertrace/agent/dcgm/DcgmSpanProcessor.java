package dev.infertrace.agent.dcgm;

import static dev.infertrace.core.gpu.GpuAggregate.across;

import dev.infertrace.core.gpu.DcgmSample;
import dev.infertrace.core.gpu.GpuAggregate.Reduce;
import dev.infertrace.core.metrics.PrometheusText;
import dev.infertrace.core.schema.DcgmAttributes;
import dev.infertrace.core.schema.HwAttributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Adds this host's GPU state ({@code dcgm.*}; {@code hw.id}, a string array of GPU UUIDs, as the
 * worker writes it) to SERVER spans, for JVM services on GPU nodes. One sample, reduced across the
 * GPUs by {@link dev.infertrace.core.gpu.GpuAggregate}. A daemon thread scrapes the DCGM exporter
 * every interval over a plain socket (so the agent does not trace the scrapes); the span path only
 * reads the latest sample. A dead, slow or garbled endpoint leaves the spans without GPU attributes
 * (or {@code dcgm.stale=true}) and never throws into the application.
 */
public final class DcgmSpanProcessor implements SpanProcessor {
  private static final AttributeKey<List<String>> HW_ID =
      AttributeKey.stringArrayKey(HwAttributes.ID);

  private final URI endpoint;
  private final Duration interval;
  private final Set<String> uuids;
  private final ScheduledExecutorService timer;
  private volatile DcgmSample latest;
  private volatile long latestAt;
  private final AtomicLong failures = new AtomicLong();

  public DcgmSpanProcessor(URI endpoint, Duration interval, Set<String> uuids) {
    this.endpoint = endpoint;
    this.interval = interval;
    this.uuids = uuids;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "infertrace-dcgm-scraper");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::scrape, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void scrape() {
    try {
      String page = get();
      DcgmSample s = DcgmSample.of(PrometheusText.parse(page), null, null, uuids);
      if (!s.byUuid().isEmpty()) {
        latest = s;
        latestAt = System.nanoTime();
      }
    } catch (Throwable t) {
      failures.incrementAndGet(); // counted; the next scrape is on time
    }
  }

  /** Scrape failures so far. */
  public long failures() {
    return failures.get();
  }

  private String get() throws java.io.IOException {
    int port = endpoint.getPort() > 0 ? endpoint.getPort() : 80;
    int timeout = (int) Math.max(100, Math.min(interval.toMillis(), 2000));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(endpoint.getHost(), port), timeout);
      s.setSoTimeout(timeout);
      String path =
          endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty()
              ? "/metrics"
              : endpoint.getRawPath();
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET "
                  + path
                  + " HTTP/1.0\r\nHost: "
                  + endpoint.getHost()
                  + "\r\nAccept: text/plain\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[16384];
      int n;
      while ((n = in.read(buf)) >= 0 && all.size() < 16 * 1024 * 1024) {
        all.write(buf, 0, n);
      }
      String response = new String(all.toByteArray(), StandardCharsets.UTF_8);
      int split = response.indexOf("\r\n\r\n");
      if (!response.startsWith("HTTP/1.")
          || split < 0
          || !response.substring(9, 12).equals("200")) {
        throw new java.io.IOException("not a 200 response from " + endpoint);
      }
      return response.substring(split + 4);
    }
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    try {
      if (span.getKind() != SpanKind.SERVER) {
        return;
      }
      DcgmSample s = latest;
      if (s == null || System.nanoTime() - latestAt > 3 * interval.toNanos()) {
        span.setAttribute(DcgmAttributes.STALE, true);
        return;
      }
      span.setAttribute(HW_ID, Collections.unmodifiableList(new ArrayList<>(s.byUuid().keySet())));
      // This processor's semantics, older than the worker's: a field a GPU did not report counts
      // as 0 in the mean (and in the max), so every GPU of the node weighs in; only the clock
      // leaves it out (and is absent when no GPU reported one).
      span.setAttribute(DcgmAttributes.GPU_UTIL, across(s, v -> nz(v.gpuUtil()), Reduce.AVG));
      double clock = across(s, DcgmSample.Values::smClock, Reduce.MIN);
      if (!Double.isNaN(clock)) {
        span.setAttribute(DcgmAttributes.SM_CLOCK, clock);
      }
      span.setAttribute(DcgmAttributes.POWER_USAGE, across(s, v -> nz(v.powerUsage()), Reduce.AVG));
      span.setAttribute(DcgmAttributes.GPU_TEMP, across(s, v -> nz(v.gpuTemp()), Reduce.MAX));
      span.setAttribute(DcgmAttributes.XID_ERRORS, (long) across(s, v -> nz(v.xid()), Reduce.MAX));
    } catch (Throwable t) {
      // never into the application
    }
  }

  private static double nz(double v) {
    return Double.isNaN(v) ? 0 : v;
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {}

  @Override
  public boolean isEndRequired() {
    return false;
  }

  @Override
  public CompletableResultCode shutdown() {
    timer.shutdownNow();
    return CompletableResultCode.ofSuccess();
  }
}
