package dev.infertrace.proxy.cli;

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
