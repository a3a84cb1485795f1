package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import io.opentelemetry.api.OpenTelemetry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Upstreams and clients that misbehave, on real loopback sockets: every exchange ends soon, in the
 * OpenAI error form when the response has not started, and counted.
 */
class HostileUpstreamTest {
  private static final String REQUEST =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: 13\r\n\r\n{\"model\":\"m\"}";

  private static ProxyConfig.Builder config(URI upstream) {
    return ProxyConfig.builder(Role.INGRESS, List.of(upstream))
        .responseTimeout(Duration.ofSeconds(60));
  }

  /** An upstream whose response head is 20 KiB. */
  private static RawUpstream bigHeadUpstream() throws IOException {
    return new RawUpstream(
        new RawUpstream.Script(
            "HTTP/1.1 200 OK\r\nX-Big: "
                + "x".repeat(20 * 1024)
                + "\r\nContent-Length: 2\r\n\r\n{}",
            false));
  }

  /** An upstream that answers every request with a small 200. */
  private static RawUpstream okUpstream() throws IOException {
    return new RawUpstream(
        new RawUpstream.Script("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", false));
  }

  private static ProxyRuntime start(ProxyConfig config) throws Exception {
    return ProxyRuntime.builder(config).openTelemetry(OpenTelemetry.noop()).start();
  }

  /**
   * Sends {@code raw} (from another thread: the proxy may answer before it read it all) and reads
   * until the proxy closes the connection (or 30 s pass).
   */
  private static String exchange(ProxyRuntime proxy, String raw) throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.address().getPort())) {
      s.setSoTimeout(30_000);
      Thread writer =
          new Thread(
              () -> {
                try {
                  s.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                  // refused before it was all sent
                }
              });
      writer.start();
      String answer = readUntilClosed(s.getInputStream());
      writer.join(10_000);
      return answer;
    }
  }

  private static String readUntilClosed(InputStream in) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) != -1; ) {
        got.write(buf, 0, n);
      }
    } catch (java.net.SocketTimeoutException e) {
      got.writeBytes("<timed out>".getBytes(StandardCharsets.UTF_8));
    } catch (java.net.SocketException e) {
      // reset: the proxy closed with request bytes unread (a refused body); what came stands
    }
    return got.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anUpstreamHeaderBlockOverTheLimitIsA502AtOnceNotAHang() throws Exception {
    try (RawUpstream upstream = bigHeadUpstream();
        ProxyRuntime proxy = start(config(upstream.uri()).build())) {
      long started = System.nanoTime();
      String answer = exchange(proxy, REQUEST.replace("Host: x", "Host: x\r\nConnection: close"));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

      assertThat(answer).startsWith("HTTP/1.1 502 ");
      assertThat(answer)
          .contains("\"type\":\"upstream_invalid_response\"")
          .contains("response headers are over 16384 bytes")
          .doesNotContain("127.0.0.1");
      assertThat(tookMs).as("well within the 60 s response timeout").isLessThan(20_000);
      assertThat(proxy.server().stats().failures("upstream_invalid_response")).isEqualTo(1);
    }
  }

  @Test
  void theUpstreamHeaderLimitIsConfigurable() throws Exception {
    try (RawUpstream upstream = bigHeadUpstream();
        ProxyRuntime proxy =
            start(config(upstream.uri()).upstreamMaxHeaderBytes(64 * 1024).build())) {
      String answer = exchange(proxy, REQUEST.replace("Host: x", "Host: x\r\nConnection: close"));

      assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("{}");
    }
  }

  @Test
  void aLongClientRequestIdIsNotEchoedUpstreamOrBack() throws Exception {
    String longId = "r".repeat(8 * 1024);
    try (RawUpstream upstream = okUpstream();
        ProxyRuntime proxy = start(config(upstream.uri()).build())) {
      String answer =
          exchange(
              proxy,
              REQUEST.replace(
                  "Host: x", "Host: x\r\nConnection: close\r\nX-Request-Id: " + longId));
      String sent = upstream.requests.poll(10, TimeUnit.SECONDS);

      assertThat(answer).startsWith("HTTP/1.1 200 ").doesNotContain(longId);
      assertThat(sent).doesNotContain(longId).containsIgnoringCase("x-request-id: ");
      assertThat(answer).containsPattern("(?i)x-request-id: [0-9a-f-]{36}\r\n");
    }
  }

  @Test
  void aStalledStreamIsCutAfterTheStreamIdleTimeout() throws Exception {
    // A head and one chunk, then nothing, the connection held open.
    try (ServerSocket vllm = new ServerSocket(0)) {
      Thread t =
          new Thread(
              () -> {
                try (Socket s = vllm.accept()) {
                  s.getInputStream().read(new byte[4096]);
                  s.getOutputStream()
                      .write(
                          ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                  + "Transfer-Encoding: chunked\r\n\r\n"
                                  + "6\r\ndata: \r\n")
                              .getBytes(StandardCharsets.US_ASCII));
                  // The proxy must close this connection: read until it does.
                  while (s.getInputStream().read() != -1) {}
                } catch (IOException e) {
                  // closed by the proxy
                }
              });
      t.setDaemon(true);
      t.start();
      try (ProxyRuntime proxy =
          start(
              config(URI.create("http://127.0.0.1:" + vllm.getLocalPort()))
                  .streamIdleTimeout(Duration.ofMillis(500))
                  .build())) {
        long started = System.nanoTime();
        String answer = exchange(proxy, REQUEST);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(answer).startsWith("HTTP/1.1 200 ").doesNotContain("<timed out>");
        assertThat(tookMs).isLessThan(20_000);
        t.join(10_000);
        assertThat(t.isAlive()).as("the upstream connection was closed too").isFalse();
        assertThat(proxy.server().stats().failures("stream_idle_timeout")).isEqualTo(1);
      }
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (RawUpstream upstream = okUpstream();
        ProxyRuntime proxy = start(config(upstream.uri()).build())) {
      String answer =
          exchange(
              proxy,
              REQUEST.replace("Host: x", "Host: x\r\nX-Request-Id: first")
                  + REQUEST.replace("Host: x", "Host: x\r\nX-Request-Id: second")
                  + REQUEST.replace(
                      "Host: x", "Host: x\r\nX-Request-Id: third\r\nConnection: close"));

      assertThat(answer.split("HTTP/1.1 200 ", -1)).hasSize(4);
      assertThat(answer.indexOf("first")).isLessThan(answer.indexOf("second"));
      assertThat(answer.indexOf("second")).isLessThan(answer.indexOf("third"));
    }
  }

  @Test
  void aRefusedConnectionIsA502ThatNamesNoInternalAddress() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    try (ProxyRuntime proxy = start(config(URI.create("http://127.0.0.1:" + dead)).build())) {
      String answer = exchange(proxy, REQUEST.replace("Host: x", "Host: x\r\nConnection: close"));

      assertThat(answer)
          .startsWith("HTTP/1.1 502 ")
          .contains("\"type\":\"upstream_unavailable\"")
          .contains("the upstream refused the connection")
          .doesNotContain("127.0.0.1")
          .doesNotContain(Integer.toString(dead));
    }
  }

  @Test
  void asTheGatewayABodyOverTheEppBufferIsA413() throws Exception {
    dev.infertrace.proxy.epp.EppClient epp =
        new dev.infertrace.proxy.epp.EppClient(
            new java.net.InetSocketAddress("127.0.0.1", 9),
            List.of(new dev.infertrace.proxy.epp.Endpoint("w", "127.0.0.1", 9)),
            dev.infertrace.proxy.epp.EppClient.FailureMode.CLOSED,
            Duration.ofSeconds(1));
    try (ProxyRuntime proxy =
        ProxyRuntime.builder(
                config(URI.create("http://127.0.0.1:9")).eppMaxBodyBytes(64 * 1024).build())
            .openTelemetry(OpenTelemetry.noop())
            .eppClient(epp)
            .start()) {
      String body = "{\"model\":\"m\",\"prompt\":\"" + "x".repeat(1024 * 1024) + "\"}";
      String answer =
          exchange(
              proxy,
              "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
                  + body.length()
                  + "\r\n\r\n"
                  + body);

      assertThat(answer)
          .startsWith("HTTP/1.1 413 ")
          .contains("\"type\":\"request_too_large\"")
          .contains("over 65536 bytes");
    }
  }

  @Test
  void bytesAnIdlePooledConnectionSendsUnaskedNeverBecomeTheNextRequestsResponse()
      throws Exception {
    // Tried: a stray 408 written on the pooled upstream connection between two requests. The
    // proxy must read it as it comes (and close that connection), not later as the answer to the
    // next request sent on it.
    try (RawUpstream upstream =
            new RawUpstream(
                new RawUpstream.Script(
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
                    false,
                    "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n"));
        ProxyRuntime proxy = start(config(upstream.uri()).build())) {
      String first = exchange(proxy, REQUEST.replace("Host: x", "Host: x\r\nConnection: close"));
      assertThat(first).startsWith("HTTP/1.1 200 ").endsWith("{}");
      assertThat(upstream.unaskedWritten.await(10, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(200); // the stray bytes are in the proxy's socket now

      String second = exchange(proxy, REQUEST.replace("Host: x", "Host: x\r\nConnection: close"));

      assertThat(second).startsWith("HTTP/1.1 200 ").endsWith("{}");
      assertThat(upstream.connections.get())
          .as("the talking connection was not reused")
          .isEqualTo(2);
    }
  }
}
