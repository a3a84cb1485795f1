package dev.infertrace.load;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infertrace.explain.html.TracePages;
import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.trace.TraceFile;
import dev.infertrace.explain.verdict.Explainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * explain's verdicts for a run's requests, from a trace file (OTLP JSON lines, as the proxies and
 * the collector's file exporter write it): every request of the file is judged against the others,
 * and the verdicts of the run's own trace ids are kept; the requests the report lists as slowest
 * also get explain's trace page.
 */
final class Verdicts {
  private Verdicts() {}

  /** The directory of the trace pages, beside report.html. */
  static final String PAGES = "traces";

  /**
   * {trace id: {component, phase, cause, evidence, lost_ms}} for those trace ids in the file;
   * writes the pages of {@code paged} into {@code pagesDir} and puts {trace id: relative file} in
   * {@code pages}.
   */
  static ObjectNode read(
      Path traces,
      Collection<String> traceIds,
      Collection<String> paged,
      Path pagesDir,
      ObjectNode pages)
      throws IOException {
    Set<String> ours = new HashSet<>(traceIds);
    Set<String> toPage = new HashSet<>(paged);
    ObjectNode out = JsonReport.JSON.createObjectNode();
    List<Trace> all = Trace.group(TraceFile.read(traces).spans());
    List<Explainer.Explained> forPages = new ArrayList<>();
    for (Explainer.Explained e : Explainer.explain(all)) {
      if (ours.contains(e.traceId())) {
        out.putObject(e.traceId())
            .put("component", e.verdict().component())
            .put("phase", e.verdict().phase())
            .put("cause", e.verdict().cause())
            .put("evidence", e.verdict().evidence())
            .put("lost_ms", e.lost() * 1000);
      }
      if (toPage.contains(e.traceId())) {
        forPages.add(e);
      }
    }
    if (!forPages.isEmpty()) {
      for (Map.Entry<String, String> f : TracePages.write(pagesDir, forPages, all).entrySet()) {
        pages.put(f.getKey(), PAGES + "/" + f.getValue());
      }
    }
    return out;
  }
}
