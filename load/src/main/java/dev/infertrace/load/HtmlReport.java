package dev.infertrace.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The self-contained HTML report: one file with its CSS, its script (ours, no library) and the
 * run's figures embedded; it draws its charts as SVG when opened, with no network. The embedded
 * data is the JSON report without the per-request ITL lists.
 */
public final class HtmlReport {
  private HtmlReport() {}

  public static String render(ObjectNode jsonReport) {
    ObjectNode data = jsonReport.deepCopy();
    for (JsonNode r : data.path("requests")) {
      ((ObjectNode) r).remove("itl_ms");
      ((ObjectNode) r).remove("error_detail");
    }
    String json;
    try {
      json = JsonReport.JSON.writeValueAsString(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // inside <script>, "</" would end the element early
    json = json.replace("<", "\\u003c");
    return resource("report.html")
        .replace("/*CSS*/", resource("report.css"))
        .replace("/*JS*/", resource("report.js"))
        .replace("/*DATA*/", json);
  }

  private static String resource(String name) {
    try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
