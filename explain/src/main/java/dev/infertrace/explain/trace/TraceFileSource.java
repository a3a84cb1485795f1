package dev.infertrace.explain.trace;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The proxies' trace file ({@link TraceFile}) as a {@link TraceSource}, read once. A window's
 * requests are the traces whose SERVER span of the service (the ingress's) started in it.
 */
public final class TraceFileSource implements TraceSource {
  private final Path file;
  private final String service;
  private final TraceFile.Contents contents;

  private TraceFileSource(Path file, String service, TraceFile.Contents contents) {
    this.file = file;
    this.service = service;
    this.contents = contents;
  }

  /** Reads {@code file}; a window finds the requests of {@code service}. */
  public static TraceFileSource read(Path file, String service) throws IOException {
    return new TraceFileSource(file, service, TraceFile.read(file));
  }

  /** Every span of the file. */
  public List<SpanRecord> spans() {
    return contents.spans();
  }

  /** Lines of the file that could not be read (skipped). */
  public int badLines() {
    return contents.badLines();
  }

  @Override
  public List<SpanRecord> trace(String traceId) {
    String id = traceId.toLowerCase(Locale.ROOT);
    return contents.spans().stream().filter(s -> s.traceId().equals(id)).toList();
  }

  @Override
  public List<String> search(Instant from, Instant to, int limit) {
    long fromNanos = nanos(from);
    long toNanos = nanos(to);
    List<SpanRecord> roots = new ArrayList<>();
    for (SpanRecord s : contents.spans()) {
      if (s.kind() == SpanRecord.KIND_SERVER
          && s.service().equals(service)
          && s.startNanos() >= fromNanos
          && s.startNanos() <= toNanos) {
        roots.add(s);
      }
    }
    roots.sort(Comparator.comparingLong(SpanRecord::startNanos));
    Set<String> ids = new LinkedHashSet<>();
    for (SpanRecord s : roots) {
      if (ids.size() >= limit) {
        break;
      }
      ids.add(s.traceId());
    }
    return List.copyOf(ids);
  }

  @Override
  public List<Trace> traces(Instant from, Instant to, int limit) {
    Set<String> ids = Set.copyOf(search(from, to, limit));
    return Trace.group(contents.spans().stream().filter(s -> ids.contains(s.traceId())).toList());
  }

  @Override
  public String describe() {
    return file.toString();
  }

  private static long nanos(Instant t) {
    return Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L) + t.getNano();
  }
}
