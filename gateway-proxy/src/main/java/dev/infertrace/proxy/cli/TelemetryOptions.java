package dev.infertrace.proxy.cli;

import dev.infertrace.proxy.config.ProxyDefaults;
import java.nio.file.Path;
import java.util.List;
import javax.annotation.Nullable;
import picocli.CommandLine.Option;

/** {@code --trace-file}: where every proxy command's spans go, as a picocli mixin. */
public final class TelemetryOptions {
  @Option(
      names = "--trace-file",
      paramLabel = "PATH",
      defaultValue = "${env:INFERTRACE_TRACE_FILE}",
      description =
          "Write spans to this file as OTLP JSON lines instead of exporting them with the OTEL_*"
              + " settings (env INFERTRACE_TRACE_FILE). The default when no OTEL_EXPORTER_OTLP_*"
              + " endpoint or OTEL_TRACES_EXPORTER is set: ./infertrace-<role>-traces.jsonl.")
  @Nullable
  Path traceFile;

  @Option(
      names = "--trace-file-max-bytes",
      paramLabel = "BYTES",
      defaultValue =
          "${env:INFERTRACE_TRACE_FILE_MAX_BYTES:-" + ProxyDefaults.TRACE_FILE_MAX_BYTES + "}",
      description =
          "Rotate the trace file when it would grow over this (default: ${DEFAULT-VALUE}).")
  long traceFileMaxBytes;

  @Option(
      names = "--trace-file-keep",
      paramLabel = "N",
      defaultValue = "${env:INFERTRACE_TRACE_FILE_KEEP:-" + ProxyDefaults.TRACE_FILE_KEEP + "}",
      description =
          "Rotated trace files kept (FILE.1 … FILE.N), the oldest deleted (default:"
              + " ${DEFAULT-VALUE}).")
  int traceFileKeep;

  /** {@code --trace-file-max-bytes}. */
  public long traceFileMaxBytes() {
    return traceFileMaxBytes;
  }

  /** {@code --trace-file-keep}. */
  public int traceFileKeep() {
    return traceFileKeep;
  }

  /**
   * The file spans go to: the flag's (or its variable's), else {@code
   * ./infertrace-<role>-traces.jsonl} when no collector is configured; null: export with the {@code
   * OTEL_*} settings.
   */
  @Nullable
  public Path traceFile(String role) {
    if (traceFile == null && !collectorConfigured()) {
      // No collector configured: the embedded default is a local trace file.
      return Path.of("infertrace-" + role + "-traces.jsonl");
    }
    return traceFile;
  }

  /** True when the OTEL_* environment names an exporter or an endpoint. */
  public static boolean collectorConfigured() {
    for (String name :
        List.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_TRACES_EXPORTER")) {
      String v = System.getenv(name);
      if (v != null && !v.isBlank()) {
        return true;
      }
    }
    return false;
  }
}
