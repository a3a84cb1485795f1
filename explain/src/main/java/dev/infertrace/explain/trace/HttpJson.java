package dev.infertrace.explain.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * GETs JSON from a trace store's HTTP API with the JDK client, bounded in time; every failure is a
 * {@link TraceSourceException} that names the store, the URL and what went wrong.
 */
final class HttpJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY_IN_MESSAGE = 200;

  private final String store;
  private final URI base;
  private final HttpClient client;
  private final Duration timeout;

  HttpJson(String store, URI base, Duration timeout) {
    this.store = store;
    String b = base.toString();
    this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /** "Jaeger at http://…". */
  String describe() {
    return store + " at " + base;
  }

  URI uri(String pathAndQuery) {
    return URI.create(base + pathAndQuery);
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * The answer's JSON; empty when the store answers 404 saying it has no such trace ("trace not
   * found", "No traces found"). Any other 404 (not the store's API at all) is an error.
   */
  Optional<JsonNode> get(URI uri) throws TraceSourceException {
    HttpResponse<String> r;
    try {
      r =
          client.send(
              HttpRequest.newBuilder(uri)
                  .timeout(timeout)
                  .header("Accept", "application/json")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException e) {
      throw fail(uri, "no connection within " + seconds(timeout), e);
    } catch (HttpTimeoutException e) {
      throw fail(uri, "no answer within " + seconds(timeout), e);
    } catch (ConnectException e) {
      throw fail(uri, "connection refused", e);
    } catch (IOException e) {
      throw fail(uri, e.getMessage() == null ? e.toString() : e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw fail(uri, "interrupted", e);
    }
    String body = r.body() == null ? "" : r.body();
    String lower = body.toLowerCase(Locale.ROOT);
    if (r.statusCode() == 404
        && (lower.contains("trace not found") || lower.contains("no traces found"))) {
      return Optional.empty();
    }
    if (r.statusCode() / 100 != 2) {
      throw fail(uri, "HTTP " + r.statusCode() + snippet(body), null);
    }
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        throw fail(uri, "the answer is not a JSON object" + snippet(body), null);
      }
      return Optional.of(node);
    } catch (IOException e) {
      throw fail(uri, "the answer is not JSON" + snippet(body), e);
    }
  }

  private TraceSourceException fail(URI uri, String what, Throwable cause) {
    return new TraceSourceException(
        "cannot read traces from " + store + " at " + uri + ": " + what, cause);
  }

  private static String snippet(String body) {
    String b = body.strip().replaceAll("\\s+", " ");
    if (b.isEmpty()) {
      return "";
    }
    return " ("
        + (b.length() > MAX_BODY_IN_MESSAGE ? b.substring(0, MAX_BODY_IN_MESSAGE) + "…" : b)
        + ")";
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
