package dev.infertrace.proxy.epp;

import dev.infertrace.core.gpu.DcgmSample;
import dev.infertrace.core.gpu.GpuAggregate;
import dev.infertrace.core.metrics.Exposition;
import dev.infertrace.proxy.state.EngineSample;
import dev.infertrace.proxy.state.Scraper;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.annotation.Nullable;

/**
 * What the routing span says about each candidate endpoint: its engine state (vLLM {@code /metrics}
 * of the endpoint itself, scraped every 50 ms as the EPP does) and, where a DCGM exporter URL is
 * given for it, its GPU utilisation. The DCGM page is narrowed to the endpoint's GPUs by the {@code
 * pod} label equal to the endpoint's name when the page has such samples, else all its GPUs count.
 * Thread-safe; read from the span path, written by the scrapers.
 */
public final class EndpointView implements AutoCloseable {
  static final Duration INTERVAL = Duration.ofMillis(50);

  /** One endpoint's latest state; NaN where unknown. */
  public record State(
      String hostPort, String name, double waiting, double running, double kv, double gpuUtil) {}

  private final List<Endpoint> endpoints;
  private final Map<Endpoint, EngineSample> engine = new ConcurrentHashMap<>();
  private final Map<Endpoint, Double> gpu = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;
  private final List<Scraper> scrapers = new ArrayList<>();

  /**
   * @param dcgm endpoint name → DCGM exporter metrics URL (may be empty)
   */
  public EndpointView(List<Endpoint> endpoints, Map<String, URI> dcgm) {
    this.endpoints = List.copyOf(endpoints);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "epp-endpoint-scrapers");
              t.setDaemon(true);
              return t;
            });
    for (Endpoint e : endpoints) {
      scrapers.add(
          new Scraper(
              URI.create("http://" + e.hostPort() + "/metrics"),
              INTERVAL,
              timer,
              (now, page) -> {
                EngineSample s = EngineSample.of(page);
                if (s != null) {
                  engine.put(e, s);
                }
              }));
      URI d = dcgm.get(e.name());
      if (d != null) {
        scrapers.add(new Scraper(d, INTERVAL, timer, (now, page) -> gpuUtil(e, page)));
      }
    }
  }

  private void gpuUtil(Endpoint e, Exposition page) {
    boolean podLabelled = page.samples().stream().anyMatch(s -> e.name().equals(s.label("pod")));
    DcgmSample g = DcgmSample.of(page, podLabelled ? e.name() : null, null, Set.of());
    double util = GpuAggregate.across(g, DcgmSample.Values::gpuUtil, GpuAggregate.Reduce.AVG);
    if (!Double.isNaN(util)) {
      gpu.put(e, util);
    }
  }

  /** The endpoints in file order with their latest state. */
  public List<State> snapshot() {
    List<State> out = new ArrayList<>(endpoints.size());
    for (Endpoint e : endpoints) {
      EngineSample s = engine.get(e);
      Double g = gpu.get(e);
      out.add(
          new State(
              e.hostPort(),
              e.name(),
              s == null ? Double.NaN : s.waiting(),
              s == null ? Double.NaN : s.running(),
              s == null ? Double.NaN : s.kvCacheUsage(),
              g == null ? Double.NaN : g));
    }
    return out;
  }

  /** Parses {@code NAME=URL} options into a map, in order; errors name the bad entry. */
  public static Map<String, URI> parseDcgm(@Nullable List<String> specs) {
    Map<String, URI> out = new LinkedHashMap<>();
    if (specs == null) {
      return out;
    }
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new IllegalArgumentException("'" + spec + "' is not NAME=URL");
      }
      URI u = URI.create(spec.substring(eq + 1));
      if (u.getScheme() == null || u.getHost() == null) {
        throw new IllegalArgumentException("'" + spec + "': the URL needs http://host:port/path");
      }
      out.put(spec.substring(0, eq), u);
    }
    return out;
  }

  @Override
  public void close() {
    scrapers.forEach(Scraper::close);
    timer.shutdownNow();
  }
}
