package dev.infertrace.proxy.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trace file is bounded: rotated at its size, the oldest of the kept files deleted. */
class TraceFileRotationTest {
  @TempDir Path dir;

  @Test
  void theFileIsRotatedAtItsSizeAndOnlyKeepFilesAreKept() throws Exception {
    Path file = dir.resolve("traces.jsonl");
    OtlpJsonFileExporter exporter = OtlpJsonFileExporter.open(file, 4096, 2);
    try (OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .build()) {
      for (int i = 0; i < 200; i++) {
        sdk.getTracer("t").spanBuilder("span-" + i).startSpan().end();
      }
    }

    assertThat(file).exists();
    assertThat(dir.resolve("traces.jsonl.1")).exists();
    assertThat(dir.resolve("traces.jsonl.2")).exists();
    assertThat(dir.resolve("traces.jsonl.3")).doesNotExist();
    try (var files = Files.list(dir)) {
      assertThat(files.count()).isEqualTo(3);
    }
    for (String name : List.of("traces.jsonl", "traces.jsonl.1", "traces.jsonl.2")) {
      Path p = dir.resolve(name);
      assertThat(Files.size(p)).as(name).isLessThanOrEqualTo(4096);
      assertThat(Files.readAllLines(p)).as(name).allMatch(l -> l.startsWith("{\"resourceSpans\""));
    }
    // The newest spans are in the current file.
    assertThat(Files.readString(file)).contains("span-199");
    assertThat(exporter.exported()).isEqualTo(200);
  }
}
