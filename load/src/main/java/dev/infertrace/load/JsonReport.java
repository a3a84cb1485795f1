package dev.infertrace.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Comparator;
import java.util.List;
import javax.annotation.Nullable;

/**
 * The JSON output of a run: the configuration (without the API key or URL credentials), one summary
 * per step and one record per request. Field names in snake_case; latencies in milliseconds.
 */
public final class JsonReport {
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .build();

  private JsonReport() {}

  /** The whole report as a JSON tree. */
  public static ObjectNode tree(Benchmark.Result result, @Nullable String jaegerUrl) {
    ObjectNode root = JSON.createObjectNode();
    root.put("tool", "infertrace load");
    root.put("started_at", result.startedAt().toString());
    root.set("config", config(result.config()));
    if (jaegerUrl != null) {
      root.put("jaeger_url", jaegerUrl);
    }
    root.set("steps", JSON.valueToTree(result.steps()));
    ArrayNode requests = JSON.valueToTree(result.requests());
    root.set("requests", requests);
    ArrayNode slowest = root.putArray("slowest");
    slowest(result.requests()).forEach(r -> slowest.add(r.id()));
    return root;
  }

  /** How many of the slowest requests the report lists. */
  static final int SLOWEST = 20;

  /**
   * The requests the report lists as slowest: the {@value #SLOWEST} measured ones without an error
   * with the longest E2E, longest first (their ids are {@code slowest} in the JSON, which the HTML
   * report's table shows and whose trace pages {@code --traces} writes).
   */
  static List<RequestRecord> slowest(List<RequestRecord> requests) {
    return requests.stream()
        .filter(r -> r.measured() && r.ok())
        .sorted(Comparator.comparingDouble(RequestRecord::e2eMs).reversed())
        .limit(SLOWEST)
        .toList();
  }

  public static void write(ObjectNode tree, OutputStream out) throws IOException {
    JSON.writerWithDefaultPrettyPrinter().writeValue(out, tree);
  }

  private static ObjectNode config(BenchConfig c) {
    ObjectNode n = JSON.createObjectNode();
    n.put("url", withoutCredentials(c.url()));
    n.put("endpoint", withoutCredentials(c.endpoint()));
    n.put("api", c.api().name().toLowerCase(java.util.Locale.ROOT));
    n.put("model", c.model());
    n.put("stream", c.stream());
    n.put("shape", c.shape().name().toLowerCase(java.util.Locale.ROOT));
    ArrayNode steps = n.putArray("steps");
    c.steps().forEach(steps::add);
    n.put("until_saturation", c.untilSaturation());
    n.put("duration_s", c.duration().toMillis() / 1000.0);
    n.put("requests_per_step", c.requests());
    n.put("warmup_s", c.warmup().toMillis() / 1000.0);
    n.put("cooldown_s", c.cooldown().toMillis() / 1000.0);
    n.put("input_tokens", c.dataset() != null ? "dataset" : c.inputTokens().toString());
    n.put("output_tokens", c.outputTokens().toString());
    if (c.dataset() != null) {
      n.put("dataset_prompts", c.dataset().size());
    }
    n.put("ignore_eos", c.ignoreEos());
    n.put("api_key", c.apiKey() != null ? "set (not recorded)" : "none");
    if (c.slo() != null) {
      ObjectNode slo = n.putObject("slo");
      if (c.slo().ttft() != null) {
        slo.put("ttft_ms", c.slo().ttft().toNanos() / 1e6);
      }
      if (c.slo().tpot() != null) {
        slo.put("tpot_ms", c.slo().tpot().toNanos() / 1e6);
      }
    }
    n.put("seed", c.seed());
    n.put("max_in_flight", c.maxInFlight());
    n.put("request_timeout_s", c.requestTimeout().toMillis() / 1000.0);
    return n;
  }

  static String withoutCredentials(URI uri) {
    if (uri.getUserInfo() == null) {
      return uri.toString();
    }
    try {
      return new URI(
              uri.getScheme(),
              null,
              uri.getHost(),
              uri.getPort(),
              uri.getPath(),
              uri.getQuery(),
              uri.getFragment())
          .toString();
    } catch (URISyntaxException e) {
      return uri.getScheme() + "://" + uri.getHost();
    }
  }
}
