package dev.infertrace.proxy;

import dev.infertrace.proxy.cli.ProxyOptions;
import dev.infertrace.proxy.cli.TelemetryOptions;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.http.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The steps every proxy command takes in the same words: refuse bad settings before anything opens,
 * report a failed start as {@code cannot listen on ...}, and run until SIGTERM. Usage errors are
 * {@link ParameterException}s, so picocli prints them and exits 2.
 */
final class ProxyLauncher {
  private ProxyLauncher() {}

  /** The end of the ingress's and worker's {@code --help}: what only the environment sets. */
  static final String ENVIRONMENT_HELP =
      "%nEnvironment:%n"
          + "  INFERTRACE_TRANSPORT  auto (default): io_uring where the kernel and%n"
          + "                        the seccomp profile allow it, else epoll, else%n"
          + "                        Java NIO; io_uring, epoll or nio insist on one%n"
          + "                        (the start fails when it cannot load). The%n"
          + "                        start line names the one in use.%n"
          + "  OTEL_*                the span export, as the OpenTelemetry SDK reads%n"
          + "                        it (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_BSP_*...)";

  /** {@code INFERTRACE_TRANSPORT}, checked before anything starts so its own message is shown. */
  static void checkTransport(CommandSpec spec) {
    try {
      Transport.fromEnvironment();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** The configuration of an ingress or worker, or a usage error naming the flag. */
  static ProxyConfig config(
      CommandSpec spec,
      Role role,
      InetSocketAddress listen,
      List<URI> upstreams,
      ProxyOptions options) {
    if (upstreams.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "--upstream is required (or INFERTRACE_UPSTREAM, or upstream: in --config)");
    }
    try {
      return ProxyConfig.builder(role, upstreams)
          .listen(listen)
          .sniffLimitBytes(options.sniffLimit())
          .connectTimeout(options.connectTimeout())
          .responseTimeout(options.responseTimeout())
          .requestTimeout(options.requestTimeout())
          .idleTimeout(options.idleTimeout())
          .maxHeaderBytes(options.maxHeaderBytes())
          .ioThreads(options.ioThreads())
          .slos(options.slos())
          .streamIdleTimeout(options.streamIdleTimeout())
          .upstreamMaxHeaderBytes(options.upstreamMaxHeaderBytes())
          .metricModels(options.metricModels())
          .build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /**
   * Runs {@code start}. A failure to start (a port in use, mostly) is no usage error: it is printed
   * as one line naming the listener that failed — without the usage — and null is returned, for the
   * command to exit 1.
   */
  @javax.annotation.Nullable
  static <T> T start(CommandSpec spec, InetSocketAddress listen, Callable<T> start)
      throws Exception {
    try {
      return start.call();
    } catch (InterruptedException | ParameterException e) {
      throw e;
    } catch (Exception e) { // a bind failure arrives as an unchecked-thrown BindException
      String why =
          e instanceof dev.infertrace.proxy.listener.ListenFailure
              ? e.getMessage()
              : "cannot listen on " + listen + ": " + e.getMessage();
      spec.commandLine().getErr().println(spec.name() + ": " + why);
      spec.commandLine().getErr().flush();
      return null;
    }
  }

  /**
   * The process's SDK, named {@code service}: spans to {@code traceFile} (bounded as the telemetry
   * options say), or exported with the {@code OTEL_*} settings when it is null.
   */
  static ProxyTelemetry.Telemetry telemetry(
      String service, @javax.annotation.Nullable Path traceFile, TelemetryOptions options)
      throws IOException {
    return ProxyTelemetry.create(
        service, traceFile, options.traceFileMaxBytes(), options.traceFileKeep());
  }

  /** Closes {@code running} on SIGTERM; the latch opens once it is closed. */
  static CountDownLatch closeOnShutdown(AutoCloseable running, String threadName) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    running.close();
                  } catch (Exception e) {
                    e.printStackTrace(); // the process is ending; say why it ended untidily
                  } finally {
                    stopped.countDown();
                  }
                },
                threadName));
    return stopped;
  }
}
