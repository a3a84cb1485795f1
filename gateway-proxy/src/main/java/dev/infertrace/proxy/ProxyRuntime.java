package dev.infertrace.proxy;

import static java.util.Objects.requireNonNull;

import dev.infertrace.proxy.admin.AdminServer;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.engine.EnginePhases;
import dev.infertrace.proxy.epp.EppClient;
import dev.infertrace.proxy.export.SpanQueue;
import dev.infertrace.proxy.otlp.OtlpReceiver;
import dev.infertrace.proxy.state.ServedModels;
import dev.infertrace.proxy.state.WorkerState;
import io.opentelemetry.api.OpenTelemetry;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.annotation.Nullable;

/**
 * One running ingress or worker with everything around it: its {@link ProxyServer}, telemetry,
 * worker state, engine phases and their OTLP receiver, EPP client and admin listener. It owns what
 * its builder was given (except a bare {@link OpenTelemetry}, which has no lifecycle) and {@link
 * #close()} stops it all, each part after the parts that use it.
 *
 * <pre>
 * try (ProxyRuntime worker =
 *     ProxyRuntime.builder(ProxyConfig.loopback(Role.WORKER, upstreams))
 *         .openTelemetry(sdk)
 *         .workerState(state)
 *         .start()) {
 *   send(worker.baseUrl() + "/v1/chat/completions");
 * }
 * </pre>
 */
public final class ProxyRuntime implements AutoCloseable {
  /** How long {@link #close()} waits for the owned SDK to export its last spans. */
  private static final long FLUSH_SECONDS = 10;

  private final ProxyServer server;
  @Nullable private final AdminServer admin;
  @Nullable private final OtlpReceiver receiver;
  @Nullable private final EnginePhases engine;
  private final Deque<AutoCloseable> closeFirst;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ProxyRuntime(
      ProxyServer server,
      @Nullable AdminServer admin,
      @Nullable OtlpReceiver receiver,
      @Nullable EnginePhases engine,
      Deque<AutoCloseable> closeFirst) {
    this.server = server;
    this.admin = admin;
    this.receiver = receiver;
    this.engine = engine;
    this.closeFirst = closeFirst;
  }

  public static Builder builder(ProxyConfig config) {
    return new Builder(config);
  }

  public ProxyServer server() {
    return server;
  }

  public ProxyConfig config() {
    return server.config();
  }

  /** {@code http://host:port} of the proxy's listener. */
  public String baseUrl() {
    return server.baseUrl();
  }

  /** The proxy's listener (its port when the configuration asked for port 0). */
  public InetSocketAddress address() {
    return server.address();
  }

  /** The admin listener, or null without {@link Builder#admin}. */
  @Nullable
  public AdminServer admin() {
    return admin;
  }

  /** The OTLP receiver for vLLM's spans, or null without {@link Builder#engineReceiver}. */
  @Nullable
  public OtlpReceiver receiver() {
    return receiver;
  }

  /** The exact-phase matcher, or null when the worker has none. */
  @Nullable
  public EnginePhases enginePhases() {
    return engine;
  }

  /**
   * Stops the admin listener, the proxy, the receiver, the phase matcher, the worker state, then
   * flushes and shuts down owned telemetry; a second call does nothing.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      closeAll(closeFirst);
    }
  }

  /** Closes in order; one failing part does not keep the others open. */
  private static void closeAll(Deque<AutoCloseable> parts) {
    RuntimeException first = null;
    for (AutoCloseable part = parts.pollFirst(); part != null; part = parts.pollFirst()) {
      try {
        part.close();
      } catch (Exception e) {
        if (first == null) {
          first = new IllegalStateException("closing the proxy runtime", e);
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** Wires a {@link ProxyRuntime}; {@link #start()} opens everything or nothing. */
  public static final class Builder {
    private final ProxyConfig config;
    @Nullable private ProxyTelemetry.Telemetry telemetry;
    @Nullable private OpenTelemetry otel;
    @Nullable private WorkerState state;
    @Nullable private EnginePhases engine;
    @Nullable private EngineReceiver engineReceiver;
    @Nullable private EppClient epp;
    @Nullable private InetSocketAddress admin;
    private boolean readServedModels;

    private Builder(ProxyConfig config) {
      this.config = requireNonNull(config, "config");
    }

    /**
     * The process's SDK, owned: its exporter's counts are on {@code /metrics}, vLLM's spans are
     * relayed through its exporter, and close flushes it (up to 10 s) and shuts it down.
     */
    public Builder telemetry(ProxyTelemetry.Telemetry telemetry) {
      this.telemetry = requireNonNull(telemetry, "telemetry");
      return this;
    }

    /** Spans go here (a test's SDK, say); not owned, span counts on {@code /metrics} stay 0. */
    public Builder openTelemetry(OpenTelemetry otel) {
      this.otel = requireNonNull(otel, "otel");
      return this;
    }

    /** The worker's engine and GPU state for its spans; owned. */
    public Builder workerState(@Nullable WorkerState state) {
      this.state = state;
      return this;
    }

    /** The worker's exact-phase matcher; owned. Without it {@link #engineReceiver} makes one. */
    public Builder enginePhases(@Nullable EnginePhases engine) {
      this.engine = engine;
      return this;
    }

    /** Receive vLLM's spans here; needs {@link #telemetry} (or {@link #enginePhases}). */
    public Builder engineReceiver(@Nullable EngineReceiver receiver) {
      this.engineReceiver = receiver;
      return this;
    }

    /** With it the ingress is the gateway and asks this EPP where each request goes; owned. */
    public Builder eppClient(@Nullable EppClient epp) {
      this.epp = epp;
      return this;
    }

    /** Serve {@code /metrics}, {@code /health}, {@code /ready} here (null: no admin listener). */
    public Builder admin(@Nullable InetSocketAddress admin) {
      this.admin = admin;
      return this;
    }

    /**
     * Without an allow-list ({@code --metric-models}), read the upstreams' {@code /v1/models} now
     * and every {@link ServedModels#REFRESH} for the {@code model} label's values (the commands do;
     * off by default, when a model is kept only once the upstream accepted it, and 32 at most).
     */
    public Builder readServedModels(boolean read) {
      this.readServedModels = read;
      return this;
    }

    /**
     * Starts the receiver, the proxy and the admin listener. On any failure everything already
     * started or given is closed before the exception is rethrown (a bind failure arrives as an
     * unchecked-thrown {@link java.io.IOException}).
     */
    public ProxyRuntime start() throws Exception {
      if (telemetry != null && otel != null) {
        throw new IllegalStateException("give telemetry(...) or openTelemetry(...), not both");
      }
      if (telemetry == null && otel == null) {
        throw new IllegalStateException("telemetry(...) or openTelemetry(...) is required");
      }
      if (engineReceiver != null && engine == null && telemetry == null) {
        throw new IllegalStateException("engineReceiver(...) needs telemetry(...) to relay spans");
      }
      OpenTelemetry api = telemetry != null ? telemetry.sdk() : otel;
      // Closed first to last: each part before what it uses.
      Deque<AutoCloseable> opened = new ArrayDeque<>();
      if (telemetry != null) {
        ProxyTelemetry.Telemetry t = telemetry;
        opened.push(
            () -> t.sdk().getSdkTracerProvider().shutdown().join(FLUSH_SECONDS, TimeUnit.SECONDS));
      }
      if (state != null) {
        opened.push(state);
      }
      EppClient eppToOwn = epp;
      if (eppToOwn != null) {
        opened.push(eppToOwn); // until the server owns it
      }
      try {
        if (eppToOwn != null) {
          eppToOwn.prepare(); // before the first request, not on its event loop
        }
        EnginePhases phases = engine;
        if (phases == null && engineReceiver != null) {
          phases =
              new EnginePhases(
                  api.getTracer("dev.infertrace.proxy"),
                  telemetry.spans().relay(),
                  engineReceiver.spanWait(),
                  EngineReceiver.MAX_PENDING,
                  state,
                  EnginePhases.newTimer());
        }
        if (phases != null) {
          opened.push(phases);
        }
        OtlpReceiver otlp = null;
        if (engineReceiver != null) {
          otlp =
              OtlpReceiver.start(
                  engineReceiver.grpc(),
                  engineReceiver.http(),
                  phases,
                  engineReceiver.loopbackOnly(),
                  config.idleTimeout());
          opened.push(otlp);
        }
        if (eppToOwn != null) {
          opened.remove(eppToOwn); // the server closes it, also when it fails to start
        }
        ProxyServer server =
            ProxyServer.start(
                config,
                new ProxyServer.Wiring(
                    api,
                    telemetry != null ? telemetry.spans()::counts : () -> SpanQueue.Counts.NONE,
                    state,
                    phases,
                    eppToOwn));
        opened.push(server);
        if (readServedModels && config.metricModels().isEmpty()) {
          // The model label's values: what the upstreams serve, read again now and then.
          opened.push(
              new ServedModels(
                  config.upstreams(), ServedModels.REFRESH, server.metrics().labels()::served));
        }
        AdminServer adminServer = null;
        if (admin != null) {
          adminServer =
              AdminServer.start(
                  admin, server.metrics()::render, server::isOpen, config.idleTimeout());
          opened.push(adminServer);
        }
        return new ProxyRuntime(server, adminServer, otlp, phases, opened);
      } catch (Exception | Error e) {
        try {
          closeAll(opened);
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
  }
}
