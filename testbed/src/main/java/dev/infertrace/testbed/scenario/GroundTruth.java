package dev.infertrace.testbed.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.infertrace.explain.verdict.Verdict;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The truth about one request of a scenario run, one JSON object per line of {@code
 * ground-truth.jsonl}: {@code {"traceId", "label":{"cause","component"}, "affected", ...}}.
 *
 * @param traceId the trace of the request's ingress SERVER span (32 hex digits)
 * @param cause the label's cause: the scenario's when affected, else {@link Verdict#HEALTHY}
 * @param component the label's component: where the cause is, {@code none} when unaffected
 * @param affected whether the injected cause touched this request
 * @param warmup sent during the warm-up, before the measured part (never affected; not scored)
 * @param worker the worker that served it ({@code w0}, ...), or empty when none did
 * @param unscored why the request is left out of the score, empty when it is scored: exposed to the
 *     cause for only a sliver of its time ({@code marginal: ...}), or unlabelled but slowed by the
 *     cause through a neighbour ({@code collateral: ...}) — the truth for either is not known
 */
public record GroundTruth(
    String scenario,
    String traceId,
    String requestId,
    String cause,
    String component,
    boolean affected,
    boolean warmup,
    String client,
    String worker,
    long startUnixNano,
    long endUnixNano,
    int status,
    boolean cancelled,
    String unscored) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Whether the request counts in the score. */
  public boolean scored() {
    return !warmup && unscored.isEmpty();
  }

  /** One JSON line, without the newline. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("traceId", traceId);
    ObjectNode label = o.putObject("label");
    label.put("cause", cause);
    label.put("component", component);
    o.put("affected", affected);
    o.put("scenario", scenario);
    o.put("requestId", requestId);
    o.put("warmup", warmup);
    o.put("client", client);
    o.put("worker", worker);
    o.put("startUnixNano", startUnixNano);
    o.put("endUnixNano", endUnixNano);
    o.put("status", status);
    o.put("cancelled", cancelled);
    if (!unscored.isEmpty()) {
      o.put("unscored", unscored);
    }
    return o.toString();
  }

  /** Reads one line written by {@link #toJson()}. */
  public static GroundTruth fromJson(String line) throws IOException {
    JsonNode o = JSON.readTree(line);
    return new GroundTruth(
        o.path("scenario").asText(),
        o.path("traceId").asText(),
        o.path("requestId").asText(),
        o.path("label").path("cause").asText(),
        o.path("label").path("component").asText(),
        o.path("affected").asBoolean(),
        o.path("warmup").asBoolean(),
        o.path("client").asText(),
        o.path("worker").asText(),
        o.path("startUnixNano").asLong(),
        o.path("endUnixNano").asLong(),
        o.path("status").asInt(),
        o.path("cancelled").asBoolean(),
        o.path("unscored").asText(""));
  }

  public static void write(Path file, List<GroundTruth> records) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (GroundTruth g : records) {
        w.write(g.toJson());
        w.write('\n');
      }
    }
  }

  public static List<GroundTruth> read(Path file) throws IOException {
    List<GroundTruth> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        out.add(fromJson(line));
      }
    }
    return out;
  }
}
