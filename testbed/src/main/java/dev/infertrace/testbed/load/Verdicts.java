package dev.infertrace.testbed.load;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.trace.TraceFile;
import dev.infertrace.explain.verdict.Explainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * explain's verdicts for a run's requests, from a trace file (OTLP JSON lines, as the proxies and
 * the collector's file exporter write it): every request of the file is judged against the others,
 * and the verdicts of the run's own trace ids are kept.
 */
final class Verdicts {
  private Verdicts() {}

  /** {trace id: {component, phase, cause, evidence, lost_ms}} for those trace ids in the file. */
  static ObjectNode read(Path traces, Collection<String> traceIds) throws IOException {
    Set<String> ours = new HashSet<>(traceIds);
    ObjectNode out = JsonReport.JSON.createObjectNode();
    for (Explainer.Explained e : Explainer.explain(Trace.group(TraceFile.read(traces).spans()))) {
      if (ours.contains(e.traceId())) {
        out.putObject(e.traceId())
            .put("component", e.verdict().component())
            .put("phase", e.verdict().phase())
            .put("cause", e.verdict().cause())
            .put("evidence", e.verdict().evidence())
            .put("lost_ms", e.lost() * 1000);
      }
    }
    return out;
  }
}
