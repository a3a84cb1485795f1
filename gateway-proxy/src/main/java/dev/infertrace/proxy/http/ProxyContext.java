package dev.infertrace.proxy.http;

import dev.infertrace.proxy.admin.ProxyMetrics;
import dev.infertrace.proxy.admin.ProxyStats;
import dev.infertrace.proxy.config.ProxyConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** What every connection of one proxy shares: config, telemetry, upstream choice, the pool. */
public final class ProxyContext {
  final ProxyConfig config;
  final OpenTelemetry otel;
  final Tracer tracer;
  final UpstreamPool pool = new UpstreamPool();
  final ProxyStats stats;
  final ProxyMetrics metrics;
  @javax.annotation.Nullable final dev.infertrace.proxy.state.WorkerState state;
  @javax.annotation.Nullable final dev.infertrace.proxy.engine.EnginePhases engine;
  private final AtomicInteger next = new AtomicInteger();

  /** The EPP the ingress asks for each request's endpoint (as the gateway), or null. */
  @javax.annotation.Nullable final dev.infertrace.proxy.epp.EppClient epp;

  public ProxyContext(
      ProxyConfig config, OpenTelemetry otel, ProxyStats stats, ProxyMetrics metrics) {
    this(config, otel, stats, metrics, null, null, null);
  }

  public ProxyContext(
      ProxyConfig config,
      OpenTelemetry otel,
      ProxyStats stats,
      ProxyMetrics metrics,
      @javax.annotation.Nullable dev.infertrace.proxy.state.WorkerState state,
      @javax.annotation.Nullable dev.infertrace.proxy.engine.EnginePhases engine,
      @javax.annotation.Nullable dev.infertrace.proxy.epp.EppClient epp) {
    this.epp = epp;
    this.state = state;
    this.engine = engine;
    this.config = config;
    this.otel = otel;
    this.tracer = otel.getTracer("dev.infertrace.proxy");
    this.stats = stats;
    this.metrics = metrics;
  }

  /** The next upstream, round-robin. */
  URI upstream() {
    List<URI> all = config.upstreams();
    return all.get(Math.floorMod(next.getAndIncrement(), all.size()));
  }
}
