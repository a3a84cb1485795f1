package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class HttpPartsTest {
  /**
   * The bytes an HTTP/1.1 encoder writes for a head and parts, the last one made by {@code last}.
   */
  private static String encoded(boolean chunked, Function<ByteBuf, Object> last) {
    EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseEncoder());
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    if (chunked) {
      HttpUtil.setTransferEncodingChunked(head, true);
    } else {
      HttpUtil.setContentLength(head, 10);
    }
    ch.writeOutbound(head);
    ch.writeOutbound(
        new DefaultHttpContent(Unpooled.copiedBuffer("data: ", StandardCharsets.UTF_8)));
    ch.writeOutbound(last.apply(Unpooled.copiedBuffer("done", StandardCharsets.UTF_8)));
    StringBuilder out = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      out.append(b.toString(StandardCharsets.UTF_8));
      b.release();
    }
    ch.finishAndReleaseAll();
    return out.toString();
  }

  @Test
  void theSharedEmptyTrailersEncodeAsNettysOwnLastPart() {
    for (boolean chunked : new boolean[] {true, false}) {
      String ours = encoded(chunked, HttpParts::last);
      assertThat(ours).isEqualTo(encoded(chunked, DefaultLastHttpContent::new));
      assertThat(ours).endsWith(chunked ? "4\r\ndone\r\n0\r\n\r\n" : "data: done");
    }
  }

  @Test
  void theTrailersCannotBeChangedByAnyoneWhoHoldsAPart() {
    // Shared between parts: a write to them must fail, not leak into every later exchange.
    var part = HttpParts.last(Unpooled.EMPTY_BUFFER);
    assertThat(part.trailingHeaders().isEmpty()).isTrue();
    assertThatThrownBy(() -> part.trailingHeaders().add("x-leak", "1"))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
