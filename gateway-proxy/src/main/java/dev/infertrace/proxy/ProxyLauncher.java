package dev.infertrace.proxy;

import dev.infertrace.proxy.cli.ProxyOptions;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.http.Transport;
import java.net.InetSocketAddress;
import java.net.URI;
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
          .build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** Runs {@code start}; a failure (a bind failure, mostly) is a usage error naming the address. */
  static <T> T start(CommandSpec spec, InetSocketAddress listen, Callable<T> start)
      throws Exception {
    try {
      return start.call();
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) { // a bind failure arrives as an unchecked-thrown BindException
      throw new ParameterException(
          spec.commandLine(), "cannot listen on " + listen + ": " + e.getMessage());
    }
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
