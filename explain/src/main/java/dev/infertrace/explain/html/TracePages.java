package dev.infertrace.explain.html;

import dev.infertrace.explain.trace.Trace;
import dev.infertrace.explain.verdict.Explainer;
import dev.infertrace.explain.verdict.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes trace pages into a directory: {@code <trace id>.html} per request and {@code index.html}
 * listing them, slowest loss first, with their verdicts.
 */
public final class TracePages {
  private TracePages() {}

  /**
   * The pages of {@code explained} (their spans found among {@code traces}) in {@code dir}; returns
   * each trace id's file name, in the index's order.
   */
  public static Map<String, String> write(
      Path dir, List<Explainer.Explained> explained, List<Trace> traces) throws IOException {
    Files.createDirectories(dir);
    Map<String, Trace> byId = new HashMap<>();
    traces.forEach(t -> byId.put(t.traceId(), t));
    List<Explainer.Explained> sorted =
        explained.stream()
            .filter(e -> byId.containsKey(e.traceId()))
            // a trace id names a file: only hex ones (what OTLP allows) are written
            .filter(e -> e.traceId().matches("[0-9a-fA-F]{1,64}"))
            .sorted(Comparator.comparingDouble(Explainer.Explained::lost).reversed())
            .toList();
    Map<String, String> files = new LinkedHashMap<>();
    StringBuilder index = new StringBuilder(4096);
    index
        .append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>infertrace explain — traces</title><style>")
        .append(TracePage.CSS)
        .append("</style></head><body>\n<h1>Traces, most time lost first</h1>\n")
        .append("<table id=\"traces\"><tr><th>trace</th><th>ms</th><th>lost ms</th>")
        .append("<th>verdict</th></tr>\n");
    for (Explainer.Explained e : sorted) {
      String file = e.traceId() + ".html";
      Files.writeString(
          dir.resolve(file), TracePage.render(e, byId.get(e.traceId())), StandardCharsets.UTF_8);
      files.put(e.traceId(), file);
      Verdict v = e.verdict();
      index.append(
          String.format(
              Locale.ROOT,
              "<tr data-trace=\"%s\"><td class=\"l\"><a href=\"%s\">%s</a></td><td>%.1f</td>"
                  + "<td>%.1f</td><td class=\"l\" data-verdict=\"%s\">%s (%s, %s): %s</td></tr>\n",
              e.traceId(),
              file,
              e.traceId(),
              e.attribution().seconds() * 1000,
              e.lost() * 1000,
              TracePage.esc(v.cause()),
              TracePage.esc(v.cause()),
              TracePage.esc(v.component()),
              TracePage.esc(v.phase()),
              TracePage.esc(v.evidence())));
    }
    index.append("</table>\n</body></html>\n");
    Files.writeString(dir.resolve("index.html"), index.toString(), StandardCharsets.UTF_8);
    return files;
  }
}
