package dev.infertrace.explain.trace;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy's trace file: one OTLP/JSON {@code TracesData} object per line (what {@code
 * --trace-file} and the collector's file exporter write). A line that does not parse — the last one
 * of a file still being written, a truncated copy — is skipped and counted, never guessed at.
 */
public final class TraceFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The spans read, and how many lines could not be read. */
  public record Contents(List<SpanRecord> spans, int badLines) {}

  private TraceFile() {}

  public static Contents read(Path file) throws IOException {
    List<SpanRecord> spans = new ArrayList<>();
    int bad = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        try {
          spans.addAll(OtlpJson.spans(JSON.readTree(line)));
        } catch (IOException e) {
          bad++;
        }
      }
    }
    return new Contents(List.copyOf(spans), bad);
  }
}
