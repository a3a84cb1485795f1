package dev.infertrace.agent.apps;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A JVM service calling an LLM with the JDK HttpClient, as the tests run it (with and without the
 * agent): {@code JdkApp URL MODE BODY}; MODE is stream (InputStream read to the end), plain
 * (ofString), async (sendAsync, byte array), abandon (stops after the first event and closes), or
 * server (also makes one SERVER span through the OpenTelemetry API). Prints what it read.
 */
public final class JdkApp {
  private JdkApp() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String mode = args[1];
    String body = args[2];
    if (mode.equals("server")) {
      Thread.sleep(1000); // the DCGM processor's first scrape
      Span s =
          GlobalOpenTelemetry.getTracer("app")
              .spanBuilder("GET /work")
              .setSpanKind(SpanKind.SERVER)
              .startSpan();
      Thread.sleep(50);
      s.end();
      mode = "plain";
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    byte[] got;
    int status;
    switch (mode) {
      case "plain" -> {
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        got = r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        status = r.statusCode();
      }
      case "async" -> {
        HttpResponse<byte[]> r =
            client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).join();
        got = r.body();
        status = r.statusCode();
      }
      case "abandon" -> {
        HttpResponse<InputStream> r =
            client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        status = r.statusCode();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        try (InputStream in = r.body()) {
          int c;
          while ((c = in.read()) >= 0) {
            seen.write(c);
            if (seen.toString().contains("\n\n")) {
              break; // one event is enough: close the rest
            }
          }
        }
        got = seen.toByteArray();
      }
      default -> {
        HttpResponse<InputStream> r =
            client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        status = r.statusCode();
        try (InputStream in = r.body()) {
          got = in.readAllBytes();
        }
      }
    }
    System.out.println("STATUS " + status);
    System.out.println("BYTES " + got.length);
    System.out.println(
        "SHA256 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)));
    Thread.sleep(300); // an abandoned stream's cancellation reaches the client's threads
  }
}
