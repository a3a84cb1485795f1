package dev.infertrace.agent.apps;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The plain JDK HttpClient as an application would use it for an OpenAI-compatible server: {@code
 * JdkClientApp BASE_URL STALL_URL MODE...}; modes stream (lines to {@code [DONE]}, then the stream
 * closed, as clients do), plain, async-stream (sendAsync, lines), async-plain, abandon (first text,
 * then close), error, timeout (1 s request timeout).
 */
public final class JdkClientApp {
  private static final Pattern CONTENT = Pattern.compile("\"content\":\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern USAGE =
      Pattern.compile("\"prompt_tokens\":(\\d+).*?\"completion_tokens\":(\\d+)");

  private JdkClientApp() {}

  public static void main(String[] args) {
    HttpClient client = HttpClient.newHttpClient();
    for (int i = 2; i < args.length; i++) {
      String mode = args[i];
      String base = mode.equals("timeout") ? args[1] : args[0];
      Probe.run(mode, () -> call(client, base, mode));
    }
  }

  private static Object call(HttpClient client, String base, String mode) throws Exception {
    boolean stream = mode.contains("stream") || mode.equals("abandon") || mode.equals("warmup");
    String body =
        "{\"model\":\""
            + (mode.equals("error") ? "no-such-model" : "m")
            + "\",\"max_tokens\":12,"
            + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + Probe.API_KEY)
            .timeout(Duration.ofSeconds(mode.equals("timeout") ? 1 : 30))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    if (!stream) {
      HttpResponse<String> r =
          mode.startsWith("async")
              ? client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).get()
              : client.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() >= 400) {
        throw new IllegalStateException("HTTP " + r.statusCode());
      }
      Matcher m = CONTENT.matcher(r.body());
      Probe.chunk(m.find() ? m.group(1) : null);
      usage(r.body());
      return r;
    }
    HttpResponse<Stream<String>> r =
        mode.startsWith("async")
            ? client.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).get()
            : client.send(request, HttpResponse.BodyHandlers.ofLines());
    try (Stream<String> lines = r.body()) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.equals("data: [DONE]")) {
          break;
        }
        Matcher m = CONTENT.matcher(line);
        if (m.find()) {
          Probe.chunk(m.group(1));
          if (mode.equals("abandon") && !m.group(1).isEmpty()) {
            break;
          }
        }
        usage(line);
      }
    }
    return r;
  }

  private static void usage(String json) {
    Matcher m = USAGE.matcher(json);
    if (m.find()) {
      Probe.usage(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }
  }
}
