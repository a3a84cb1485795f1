package dev.infertrace.proxy.cli;

import java.net.InetSocketAddress;
import javax.annotation.Nullable;
import picocli.CommandLine.Option;

/** {@code --admin}: every proxy command's admin listener, as a picocli mixin. */
public final class AdminOptions {
  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      defaultValue = "${env:INFERTRACE_ADMIN}",
      description =
          "Serve /metrics (OpenMetrics; the ingress and worker add trace exemplars), /health and"
              + " /ready here (env INFERTRACE_ADMIN; off by default).")
  @Nullable
  InetSocketAddress admin;

  /** Where to serve the admin endpoints; null: nowhere. */
  @Nullable
  public InetSocketAddress address() {
    return admin;
  }
}
