package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.admin.ProxyMetrics;
import dev.infertrace.proxy.admin.ProxyStats;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.opentelemetry.api.OpenTelemetry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One exchange through the client pipeline on a loopback listener, the upstream a raw socket: each
 * way an exchange can end before a response, with the answer the client gets and the count.
 */
class ExchangeTest {
  private static final String CHAT =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  private static final String BODY = "{\"model\":\"m\",\"messages\":[]}";
  private static final String OK =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ProxyStats stats = new ProxyStats();
  private Channel listener;

  @AfterEach
  void stop() {
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private int proxy(URI upstream, Duration responseTimeout, Duration requestTimeout)
      throws InterruptedException {
    ProxyConfig config =
        ProxyConfig.builder(Role.INGRESS, List.of(upstream))
            .responseTimeout(responseTimeout)
            .requestTimeout(requestTimeout)
            .build();
    ProxyContext px =
        new ProxyContext(
            config,
            OpenTelemetry.noop(),
            stats,
            new ProxyMetrics(stats, () -> dev.infertrace.proxy.export.SpanQueue.Counts.NONE));
    listener =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(new ProxyPipeline(px))
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Sends {@code request} and reads until the proxy closes the connection or sends a body. */
  private static String exchange(int port, String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder got = new StringBuilder();
      byte[] buf = new byte[4096];
      int n;
      while ((n = in.read(buf)) != -1) {
        got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        if (got.indexOf("}}") > 0 || got.toString().endsWith("{}")) {
          break;
        }
      }
      return got.toString();
    }
  }

  private static String whole(String body) {
    return CHAT + "Content-Length: " + body.length() + "\r\n\r\n" + body;
  }

  @Test
  void anUpstreamThatRefusesIs502UpstreamUnavailable() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    int port =
        proxy(
            URI.create("http://127.0.0.1:" + closed), Duration.ofSeconds(5), Duration.ofSeconds(5));

    String answer = exchange(port, whole(BODY));

    assertThat(answer)
        .startsWith("HTTP/1.1 502 Bad Gateway")
        .contains("\"type\":\"upstream_unavailable\"", "\"code\":502");
    assertThat(stats.upstreamUnavailable()).isEqualTo(1);
  }

  @Test
  void anUpstreamThatNeverAnswersIs504AfterTheResponseTimeout() throws Exception {
    try (RawUpstream upstream = new RawUpstream(new RawUpstream.Script(null, false))) {
      int port = proxy(upstream.uri(), Duration.ofMillis(300), Duration.ofSeconds(5));

      String answer = exchange(port, whole(BODY));

      assertThat(answer)
          .startsWith("HTTP/1.1 504 Gateway Timeout")
          .contains("\"type\":\"upstream_timeout\"", "within 300 ms");
      assertThat(stats.upstreamTimeouts()).isEqualTo(1);
      assertThat(upstream.requests.poll(1, TimeUnit.SECONDS)).endsWith(BODY);
    }
  }

  @Test
  void anUpstreamThatClosesBeforeAnsweringIs502() throws Exception {
    try (RawUpstream upstream = new RawUpstream(new RawUpstream.Script("", true))) {
      int port = proxy(upstream.uri(), Duration.ofSeconds(5), Duration.ofSeconds(5));

      String answer = exchange(port, whole(BODY));

      assertThat(answer)
          .startsWith("HTTP/1.1 502")
          .contains("closed the connection before answering");
      assertThat(stats.upstreamUnavailable()).isEqualTo(1);
    }
  }

  @Test
  void aBodyThatNeverEndsIs408BeforeAnythingGoesUpstream() throws Exception {
    try (RawUpstream upstream = new RawUpstream(new RawUpstream.Script(OK, false))) {
      int port = proxy(upstream.uri(), Duration.ofSeconds(5), Duration.ofMillis(300));

      // 100 bytes announced, 10 sent: the body stays under the sniff limit, so it is held.
      String answer = exchange(port, CHAT + "Content-Length: 100\r\n\r\n{\"model\":");

      assertThat(answer)
          .startsWith("HTTP/1.1 408 Request Timeout")
          .contains("\"type\":\"request_timeout\"");
      assertThat(stats.requestTimeouts()).isEqualTo(1);
      assertThat(upstream.connections.get()).isZero();
    }
  }

  @Test
  void aCompleteExchangeCountsNoFailureAndKeepsTheConnectionForTheNext() throws Exception {
    try (RawUpstream upstream = new RawUpstream(new RawUpstream.Script(OK, false))) {
      int port = proxy(upstream.uri(), Duration.ofSeconds(5), Duration.ofSeconds(5));

      assertThat(exchange(port, whole(BODY))).startsWith("HTTP/1.1 200 OK").endsWith("{}");
      assertThat(exchange(port, whole(BODY))).startsWith("HTTP/1.1 200 OK");

      assertThat(stats.requests()).isEqualTo(2);
      assertThat(stats.upstreamUnavailable() + stats.upstreamTimeouts() + stats.upstreamResets())
          .isZero();
      assertThat(upstream.connections.get()).as("pooled upstream connection").isEqualTo(1);
    }
  }
}
