package dev.infertrace.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import io.opentelemetry.api.OpenTelemetry;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The proxy's idle upstream connections, against a raw keep-alive upstream on loopback. */
class UpstreamPoolTest {
  private static final String BODY = "{\"object\":\"list\",\"data\":[]}";

  @Test
  void anIdlePooledConnectionIsClosedBeforeAUvicornKeepAliveTimeoutWouldCloseIt() throws Exception {
    // One keep-alive answer, then the upstream waits for the next request on the same socket and
    // times the proxy's close. uvicorn (vLLM's server) closes idle connections after 5 s; a proxy
    // that kept them longer could send a request on a socket the upstream is closing.
    try (ServerSocket upstream = new ServerSocket(0)) {
      CompletableFuture<Long> closedAfterMillis =
          CompletableFuture.supplyAsync(() -> serveOnceThenTimeClose(upstream));
      ProxyConfig cfg =
          ProxyConfig.loopback(
              Role.WORKER, List.of(URI.create("http://127.0.0.1:" + upstream.getLocalPort())));
      try (ProxyRuntime proxy =
          ProxyRuntime.builder(cfg).openTelemetry(OpenTelemetry.noop()).start()) {
        HttpResponse<String> r =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create(proxy.baseUrl() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(BODY);

        long millis = closedAfterMillis.get(15, TimeUnit.SECONDS);
        assertThat(millis)
            .as("idle ms before the proxy closed its pooled connection")
            .isBetween(3_500L, 4_900L);
      }
    }
  }

  /** Answers one request with keep-alive; returns ms from the answer until the peer closed. */
  private static long serveOnceThenTimeClose(ServerSocket server) {
    try (Socket s = server.accept()) {
      InputStream in = s.getInputStream();
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      String line;
      while ((line = r.readLine()) != null && !line.isEmpty()) {
        // the request head (a GET: no body)
      }
      OutputStream out = s.getOutputStream();
      byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
      out.write(
          ("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      long answered = System.nanoTime();
      s.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
      int next = in.read(); // -1 when the proxy closes; a byte would be a second request
      assertThat(next).as("the pooled connection carried another request").isEqualTo(-1);
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
