package dev.infertrace.proxy;

import static java.util.Objects.requireNonNull;

import dev.infertrace.proxy.admin.LabelValues;
import dev.infertrace.proxy.admin.ProxyMetrics;
import dev.infertrace.proxy.admin.ProxyStats;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.engine.EnginePhases;
import dev.infertrace.proxy.epp.EppClient;
import dev.infertrace.proxy.export.SpanQueue;
import dev.infertrace.proxy.http.LoopStalls;
import dev.infertrace.proxy.http.ProxyContext;
import dev.infertrace.proxy.http.ProxyPipeline;
import dev.infertrace.proxy.http.RequestPathWarmUp;
import dev.infertrace.proxy.http.Transport;
import dev.infertrace.proxy.listener.ListenFailure;
import dev.infertrace.proxy.state.WorkerState;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.opentelemetry.api.OpenTelemetry;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A running proxy: one listener, its event loops, its upstream connections. Several can run in one
 * JVM (the demo does), each with its own {@link OpenTelemetry}. Started by {@link ProxyRuntime};
 * {@link #close()} stops it.
 */
public final class ProxyServer implements AutoCloseable {
  private final ProxyConfig config;
  private final EventLoopGroup group;
  private final Channel listener;
  private final ProxyStats stats;
  private final ProxyMetrics metrics;
  @javax.annotation.Nullable private final EppClient epp;

  private final Transport transport;
  private final AtomicBoolean closed = new AtomicBoolean();

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

  /**
   * What a server is wired to besides its configuration; null members: none.
   *
   * @param spans the span queue's counts, for {@link #metrics()}
   * @param state the worker's view of its engine and GPUs for its spans
   * @param engine the worker's exact-phase matcher
   * @param epp with it the ingress is the gateway and asks that EPP where each request goes; the
   *     server owns it and closes it
   */
  record Wiring(
      OpenTelemetry otel,
      Supplier<SpanQueue.Counts> spans,
      @javax.annotation.Nullable WorkerState state,
      @javax.annotation.Nullable EnginePhases engine,
      @javax.annotation.Nullable EppClient epp) {
    Wiring {
      requireNonNull(otel, "otel");
      requireNonNull(spans, "spans");
    }
  }

  /**
   * Binds and starts serving; throws when the address cannot be bound (the EPP client is closed
   * then too). {@link ProxyRuntime} is the way in from outside this package.
   */
  static ProxyServer start(ProxyConfig config, Wiring wiring) throws InterruptedException {
    requireNonNull(config, "config");
    requireNonNull(wiring, "wiring");
    OpenTelemetry otel = wiring.otel();
    WorkerState state = wiring.state();
    EppClient epp = wiring.epp();
    ProxyStats stats = new ProxyStats();
    ProxyMetrics metrics =
        new ProxyMetrics(stats, wiring.spans(), new LabelValues(config.metricModels()));
    if (state != null) {
      metrics.setScrapeFailures(state::failures);
    }
    if (wiring.engine() != null) {
      metrics.setEngineCounts(wiring.engine()::counts);
    }
    ProxyContext context =
        new ProxyContext(config, otel, stats, metrics, state, wiring.engine(), epp);
    Transport transport = Transport.fromEnvironment();
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            config.ioThreads(),
            new DefaultThreadFactory("proxy-" + config.role().wireName(), true),
            transport.ioHandlerFactory());
    // Before the listener opens and before the loops are watched for stalls: the warm-up's class
    // loading is no request's wait.
    RequestPathWarmUp.Outcome warm =
        RequestPathWarmUp.run(config, group, transport, otel, state != null);
    if (warm.failure() != null) {
      System.err.printf(
          "%s: the request path was not warmed before listening (%s); the first requests load"
              + " it%n",
          config.role().wireName(), warm.failure());
    }
    LoopStalls.watch(group);
    try {
      Channel listener =
          ProxyPipeline.listener(context, group, transport).bind(config.listen()).sync().channel();
      return new ProxyServer(config, group, listener, stats, metrics, epp, transport);
    } catch (InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (epp != null) {
        epp.close();
      }
      throw e;
    } catch (Exception e) { // a bind failure arrives as an unchecked-thrown BindException
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (epp != null) {
        epp.close();
      }
      throw ListenFailure.of("requests (--listen)", config.listen(), e);
    }
  }

  /**
   * The event loops that carry the proxy's connections. For diagnostics and fault injection: the
   * testbed's proxy-overhead scenario blocks them, as a long pause or a blocking call would.
   */
  public EventLoopGroup eventLoops() {
    return group;
  }

  /** The socket transport the event loops use (io_uring, epoll or NIO). */
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

  /** Stops listening and closes every connection; a second call does nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    if (epp != null) {
      epp.close();
    }
  }
}
