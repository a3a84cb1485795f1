package dev.infertrace.proxy;

import static java.util.Objects.requireNonNull;

import dev.infertrace.proxy.admin.AdminServer;
import dev.infertrace.proxy.admin.ProxyMetrics;
import dev.infertrace.proxy.epp.EndpointView;
import dev.infertrace.proxy.epp.EppInterposer;
import dev.infertrace.proxy.export.SpanQueue;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.annotation.Nullable;

/**
 * A running {@code epp} interposer with what surrounds it: its telemetry, the candidates' view and
 * an admin listener ({@code /ready}: the interposer accepts streams; {@code /metrics}: its span
 * export counts). Owns what its builder was given; {@link #close()} stops it all, once.
 */
public final class EppRuntime implements AutoCloseable {
  private static final long FLUSH_SECONDS = 10;

  private final EppInterposer interposer;
  @Nullable private final AdminServer admin;
  @Nullable private final EndpointView view;
  private final ProxyTelemetry.Telemetry telemetry;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EppRuntime(
      EppInterposer interposer,
      @Nullable AdminServer admin,
      @Nullable EndpointView view,
      ProxyTelemetry.Telemetry telemetry) {
    this.interposer = interposer;
    this.admin = admin;
    this.view = view;
    this.telemetry = telemetry;
  }

  /**
   * @param listen where the gateway's ext_proc connects (port 0: any free one)
   * @param upstream the Endpoint Picker's ext_proc address
   * @param telemetry the process's SDK, owned: flushed (up to 10 s) and shut down on close
   */
  public static Builder builder(
      InetSocketAddress listen, InetSocketAddress upstream, ProxyTelemetry.Telemetry telemetry) {
    return new Builder(listen, upstream, telemetry);
  }

  /** How the EPP answered at start: {@code answering}, or {@code not answering yet: ...}. */
  public String answered() {
    return interposer.answered();
  }

  /** The interposer's port. */
  public int port() {
    return interposer.port();
  }

  /** The admin listener, or null without {@link Builder#admin}. */
  @Nullable
  public AdminServer admin() {
    return admin;
  }

  /** Stops the admin listener, the interposer, the view's scrapers, then flushes the spans. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (admin != null) {
      admin.close();
    }
    interposer.close();
    if (view != null) {
      view.close();
    }
    telemetry.sdk().getSdkTracerProvider().shutdown().join(FLUSH_SECONDS, TimeUnit.SECONDS);
  }

  /** The {@code /metrics} page: the interposer's spans, by export outcome. */
  static String metricsPage(SpanQueue.Counts spans) {
    StringBuilder out = new StringBuilder(1024);
    ProxyMetrics.spans(out, spans); // the proxy roles' families, so one dashboard query covers all
    return out.append("# EOF\n").toString();
  }

  /** Wires an {@link EppRuntime}; {@link #start()} opens everything or nothing. */
  public static final class Builder {
    private final InetSocketAddress listen;
    private final InetSocketAddress upstream;
    private final ProxyTelemetry.Telemetry telemetry;
    @Nullable private EndpointView view;
    @Nullable private InetSocketAddress admin;

    private Builder(
        InetSocketAddress listen, InetSocketAddress upstream, ProxyTelemetry.Telemetry telemetry) {
      this.listen = requireNonNull(listen, "listen");
      this.upstream = requireNonNull(upstream, "upstream");
      this.telemetry = requireNonNull(telemetry, "telemetry");
    }

    /** The candidates' state for the span's {@code llm.route.candidate} events; owned. */
    public Builder endpointView(@Nullable EndpointView view) {
      this.view = view;
      return this;
    }

    /** Serve {@code /metrics}, {@code /health}, {@code /ready} here (null: no admin listener). */
    public Builder admin(@Nullable InetSocketAddress admin) {
      this.admin = admin;
      return this;
    }

    /** Starts the interposer, then the admin listener; on failure closes all it was given. */
    public EppRuntime start() throws Exception {
      EppInterposer interposer = null;
      try {
        interposer = EppInterposer.start(listen, upstream, telemetry.sdk(), view);
        AdminServer adminServer = null;
        if (admin != null) {
          adminServer =
              AdminServer.start(
                  admin, () -> metricsPage(telemetry.spans().counts()), interposer::isOpen);
        }
        return new EppRuntime(interposer, adminServer, view, telemetry);
      } catch (Exception | Error e) {
        if (interposer != null) {
          interposer.close();
        }
        if (view != null) {
          view.close();
        }
        telemetry.sdk().close();
        throw e;
      }
    }
  }
}
