package dev.infertrace.testbed.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A small OpenAI-protocol client for tests: JDK HttpClient, SSE events with arrival times. */
final class OpenAiClient {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String baseUrl;

  OpenAiClient(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  /** One SSE {@code data:} payload and when it arrived ({@code System.nanoTime()}). */
  record Event(String data, long arrivedNanos) {
    boolean isDone() {
      return data.equals("[DONE]");
    }

    JsonNode json() {
      return parse(data);
    }
  }

  /** A streamed response. */
  record Stream(
      int status,
      Map<String, List<String>> headers,
      long sentNanos,
      long headersNanos,
      List<String> lines,
      List<Event> events) {
    /** The JSON chunks (everything but [DONE]). */
    List<JsonNode> chunks() {
      return events.stream().filter(e -> !e.isDone()).map(Event::json).toList();
    }

    String header(String name) {
      return headers.getOrDefault(name, List.of()).stream().findFirst().orElse(null);
    }
  }

  /** A whole response. */
  record Reply(int status, Map<String, List<String>> headers, String body) {
    JsonNode json() {
      return parse(body);
    }
  }

  Stream stream(String path, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    long sent = System.nanoTime();
    HttpResponse<java.io.InputStream> response =
        http.send(request(path, body, headers), HttpResponse.BodyHandlers.ofInputStream());
    long headersAt = System.nanoTime();
    List<String> lines = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        lines.add(line);
        if (line.startsWith("data: ")) {
          events.add(new Event(line.substring(6), System.nanoTime()));
        }
      }
    }
    return new Stream(
        response.statusCode(), response.headers().map(), sent, headersAt, lines, events);
  }

  Stream stream(String path, String body) throws IOException, InterruptedException {
    return stream(path, body, Map.of());
  }

  Reply post(String path, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(request(path, body, headers), HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), response.headers().map(), response.body());
  }

  Reply post(String path, String body) throws IOException, InterruptedException {
    return post(path, body, Map.of());
  }

  Reply get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), response.headers().map(), response.body());
  }

  private HttpRequest request(String path, String body, Map<String, String> headers) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(builder::header);
    return builder.build();
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }

  /** A chat body: one user message. */
  static String chat(String model, String prompt, int maxTokens, boolean stream, boolean usage) {
    var root = JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens);
    root.putArray("messages").addObject().put("role", "user").put("content", prompt);
    if (stream) {
      root.put("stream", true);
      if (usage) {
        root.putObject("stream_options").put("include_usage", true);
      }
    }
    return root.toString();
  }
}
