package dev.infertrace.agent.dcgm;

import dev.infertrace.core.gpu.DcgmSample;
import dev.infertrace.core.metrics.PrometheusText;
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
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Adds this host's GPU state ({@code dcgm.*}, {@code hw.id}) to SERVER spans, for JVM services on
 * GPU nodes. A daemon thread scrapes the DCGM exporter every interval over a plain socket (so the
 * agent does not trace the scrapes); the span path only reads the latest sample. A dead, slow or
 * garbled endpoint leaves the spans without GPU attributes (or {@code dcgm.stale=true}) and never
 * throws into the application.
 */
public final class DcgmSpanProcessor implements SpanProcessor {
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
      String response = all.toString(StandardCharsets.UTF_8);
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
        span.setAttribute("dcgm.stale", true);
        return;
      }
      List<String> ids = List.copyOf(s.byUuid().keySet());
      span.setAttribute("hw.id", String.join(",", ids));
      double util = 0;
      double clock = Double.MAX_VALUE;
      double power = 0;
      double temp = 0;
      double xid = 0;
      int n = 0;
      for (DcgmSample.Values v : s.byUuid().values()) {
        util += nz(v.gpuUtil());
        clock = Math.min(clock, Double.isNaN(v.smClock()) ? Double.MAX_VALUE : v.smClock());
        power += nz(v.powerUsage());
        temp = Math.max(temp, nz(v.gpuTemp()));
        xid = Math.max(xid, nz(v.xid()));
        n++;
      }
      span.setAttribute("dcgm.gpu_util", util / n);
      if (clock != Double.MAX_VALUE) {
        span.setAttribute("dcgm.sm_clock", clock);
      }
      span.setAttribute("dcgm.power_usage", power / n);
      span.setAttribute("dcgm.gpu_temp", temp);
      span.setAttribute("dcgm.xid_errors", (long) xid);
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
