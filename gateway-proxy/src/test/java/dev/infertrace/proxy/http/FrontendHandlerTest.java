package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.admin.ProxyStats;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client-side pipeline in memory (EmbeddedChannel): what it answers on its own. */
class FrontendHandlerTest {
  private final ProxyStats stats = new ProxyStats();

  private EmbeddedChannel channel() {
    ProxyContext px =
        new ProxyContext(
            ProxyConfig.loopback(Role.INGRESS, List.of(URI.create("http://127.0.0.1:9"))),
            OpenTelemetry.noop(),
            stats,
            new dev.infertrace.proxy.admin.ProxyMetrics(
                stats, () -> dev.infertrace.proxy.export.SpanQueue.Counts.NONE));
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast(new ProxyPipeline(px));
    return ch;
  }

  private static String written(EmbeddedChannel ch) {
    StringBuilder out = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      out.append(b.toString(StandardCharsets.UTF_8));
      b.release();
    }
    return out.toString();
  }

  @Test
  void answersOversizedHeadersWith431InOpenAiFormAndCloses() {
    EmbeddedChannel ch = channel();

    ch.writeInbound(
        Unpooled.copiedBuffer(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n",
            StandardCharsets.US_ASCII));

    String out = written(ch);
    assertThat(out).startsWith("HTTP/1.1 431 Request Header Fields Too Large");
    assertThat(out).contains("\"type\":\"invalid_request\"", "\"code\":431");
    assertThat(ch.isOpen()).isFalse();
    assertThat(stats.malformedRequests()).isEqualTo(1);
  }

  @Test
  void answersAGarbledRequestLineWith400() {
    EmbeddedChannel ch = channel();

    ch.writeInbound(Unpooled.copiedBuffer("NOT HTTP AT ALL\r\n\r\n", StandardCharsets.US_ASCII));

    assertThat(written(ch)).startsWith("HTTP/1.1 400 Bad Request");
  }

  @Test
  void stripsHopByHopHeadersIncludingThoseNamedInConnection() {
    HttpHeaders h = new DefaultHttpHeaders();
    h.add("Connection", "keep-alive, X-Private");
    h.add("X-Private", "1");
    h.add("Keep-Alive", "timeout=5");
    h.add("Proxy-Authorization", "Basic secret");
    h.add("TE", "trailers");
    h.add("Upgrade", "h2c");
    h.add("Authorization", "Bearer kept-for-the-upstream");
    h.add("Content-Length", "12");

    HopByHop.strip(h);

    assertThat(h.names()).containsExactlyInAnyOrder("Authorization", "Content-Length");
  }
}
