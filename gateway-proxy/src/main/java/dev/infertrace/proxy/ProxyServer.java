package dev.infertrace.proxy;

import dev.infertrace.proxy.admin.ProxyMetrics;
import dev.infertrace.proxy.admin.ProxyStats;
import dev.infertrace.proxy.epp.EppClient;
import dev.infertrace.proxy.http.ProxyContext;
import dev.infertrace.proxy.http.ProxyPipeline;
import dev.infertrace.proxy.http.Transport;
import dev.infertrace.proxy.state.WorkerState;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.opentelemetry.api.OpenTelemetry;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A running proxy: one listener, its event loops, its upstream connections. Several can run in one
 * JVM (the demo does), each with its own {@link OpenTelemetry}. {@link #close()} stops it.
 */
public final class ProxyServer implements AutoCloseable {
  private final ProxyConfig config;
  private final EventLoopGroup group;
  private final Channel listener;
  private final ProxyStats stats;
  private final ProxyMetrics metrics;
  @javax.annotation.Nullable private final EppClient epp;

  private final Transport transport;

  private ProxyServer(
      ProxyConfig config,
      EventLoopGroup group,
      Channel listener,
      ProxyStats stats,
      ProxyMetrics metrics,
      @javax.annotation.Nullable EppClient epp,
      Transport transport) {
    this.transport = transport;
    this.epp = epp;
    this.config = config;
    this.group = group;
    this.listener = listener;
    this.stats = stats;
    this.metrics = metrics;
  }

  /** Binds and starts serving; throws when the address cannot be bound. */
  public static ProxyServer start(ProxyConfig config, OpenTelemetry otel)
      throws InterruptedException {
    return start(config, otel, () -> 0, () -> 0);
  }

  /**
   * As {@link #start(ProxyConfig, OpenTelemetry)}, reporting the exporter's delivered and failed
   * span counts in {@link #metrics()}.
   */
  public static ProxyServer start(
      ProxyConfig config, OpenTelemetry otel, LongSupplier spansExported, LongSupplier spansFailed)
      throws InterruptedException {
    return start(config, otel, spansExported, spansFailed, null);
  }

  /** As below, without exact phases. */
  public static ProxyServer start(
      ProxyConfig config,
      OpenTelemetry otel,
      LongSupplier spansExported,
      LongSupplier spansFailed,
      @javax.annotation.Nullable WorkerState state)
      throws InterruptedException {
    return start(config, otel, spansExported, spansFailed, state, null);
  }

  /** As above, with the worker's view of its engine and GPUs for its spans (null: none). */
  public static ProxyServer start(
      ProxyConfig config,
      OpenTelemetry otel,
      LongSupplier spansExported,
      LongSupplier spansFailed,
      @javax.annotation.Nullable WorkerState state,
      @javax.annotation.Nullable dev.infertrace.proxy.engine.EnginePhases engine)
      throws InterruptedException {
    return start(config, otel, spansExported, spansFailed, state, engine, null);
  }

  /**
   * As above; with {@code epp} the ingress is the gateway and asks that EPP where each request
   * goes. The server owns {@code epp} and closes it.
   */
  public static ProxyServer start(
      ProxyConfig config,
      OpenTelemetry otel,
      LongSupplier spansExported,
      LongSupplier spansFailed,
      @javax.annotation.Nullable WorkerState state,
      @javax.annotation.Nullable dev.infertrace.proxy.engine.EnginePhases engine,
      @javax.annotation.Nullable EppClient epp)
      throws InterruptedException {
    ProxyStats stats = new ProxyStats();
    ProxyMetrics metrics = new ProxyMetrics(stats, spansExported, spansFailed);
    if (state != null) {
      metrics.setScrapeFailures(state::failures);
    }
    ProxyContext context = new ProxyContext(config, otel, stats, metrics, state, engine, epp);
    Transport transport = Transport.fromEnvironment();
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            config.ioThreads(),
            new DefaultThreadFactory("proxy-" + config.role().wireName(), true),
            transport.ioHandlerFactory());
    try {
      Channel listener =
          new ServerBootstrap()
              .group(group)
              .channel(transport.serverChannel())
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childOption(ChannelOption.AUTO_READ, false)
              .childOption(ChannelOption.RCVBUF_ALLOCATOR, Transport.readBuffers())
              .childHandler(new ProxyPipeline(context))
              .bind(config.listen())
              .sync()
              .channel();
      return new ProxyServer(config, group, listener, stats, metrics, epp, transport);
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (epp != null) {
        epp.close();
      }
      throw e;
    }
  }

  /** The socket transport the event loops use (epoll or NIO). */
  public Transport transport() {
    return transport;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** {@code http://host:port} of the listener. */
  public String baseUrl() {
    InetSocketAddress a = address();
    return "http://" + a.getHostString() + ":" + a.getPort();
  }

  public ProxyConfig config() {
    return config;
  }

  public ProxyStats stats() {
    return stats;
  }

  /** The metrics the admin endpoint serves. */
  public ProxyMetrics metrics() {
    return metrics;
  }

  /** True while the listener is open. */
  public boolean isOpen() {
    return listener.isActive();
  }

  /** Stops listening and closes every connection. */
  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    if (epp != null) {
      epp.close();
    }
  }
}
