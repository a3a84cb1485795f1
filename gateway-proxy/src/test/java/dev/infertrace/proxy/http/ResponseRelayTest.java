package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.stream.StreamSummary;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The response relay in memory: the client is an EmbeddedChannel, the upstream a head and parts.
 */
class ResponseRelayTest {
  private final EmbeddedChannel client = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
  private final ChannelHandlerContext ctx = client.pipeline().firstContext();
  private final List<Long> lastAt = new ArrayList<>();
  private int delivered;
  private final ResponseRelay relay =
      new ResponseRelay(
          ctx,
          new UpstreamLeg(new UpstreamPool(), ctx, URI.create("http://127.0.0.1:1"), null),
          new byte[16], // smaller than a chunk: the tap reads through it in pieces
          null,
          new PhaseClock(1),
          lastAt::add,
          () -> {
            // Delivery is reported after the upstream's part is over, even when the socket takes
            // the write at once (inside writeAndFlush, as here).
            assertThat(lastAt).isNotEmpty();
            delivered++;
          });

  private static HttpResponse head(String contentType) {
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    r.headers().set("Content-Type", contentType);
    return r;
  }

  private static HttpContent part(String text) {
    return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
  }

  private static HttpContent last(String text) {
    return new DefaultLastHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
  }

  private List<Object> sent() {
    List<Object> out = new ArrayList<>();
    Object o;
    while ((o = client.readOutbound()) != null) {
      out.add(o);
    }
    return out;
  }

  private static String text(Object o) {
    String s = ((HttpContent) o).content().toString(StandardCharsets.UTF_8);
    ((HttpContent) o).release();
    return s;
  }

  @Test
  void rewritesTheHeadForTheClient() {
    HttpResponse up = head("application/json");
    up.headers().set("Connection", "close, X-Hop");
    up.headers().set("X-Hop", "1");
    up.headers().set("Keep-Alive", "timeout=5");

    relay.onHead(up, true, "req-1", 10);
    relay.flush();

    HttpResponse out = (HttpResponse) sent().get(0);
    assertThat(out.headers().get("x-request-id")).isEqualTo("req-1");
    assertThat(out.headers().contains("X-Hop")).isFalse();
    assertThat(out.headers().contains("Keep-Alive")).isFalse();
    assertThat(HttpUtil.isKeepAlive(out)).isTrue(); // as the client asked, not as the upstream
    assertThat(HttpUtil.isTransferEncodingChunked(out)).isTrue(); // a close-delimited body
    assertThat(relay.upstreamKeepAlive()).isFalse();
  }

  @Test
  void writesEachPartAsItComesFlushesPerUpstreamReadAndTapsTheStream() {
    relay.onHead(head("text/event-stream"), true, "req-2", 10);
    relay.onContent(
        part("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"),
        20);
    assertThat(sent()).as("nothing goes out before the upstream read is complete").isEmpty();

    relay.flush();
    assertThat(sent()).hasSize(2); // the head and the first part, in one flush

    relay.onContent(part("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"), 30);
    relay.flush();
    assertThat(text(sent().get(0))).contains("\"hi\"");

    relay.onContent(
        last(
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n"
                + "data: [DONE]\n\n"),
        40);
    List<Object> end = sent();
    assertThat(end)
        .hasSize(1)
        .first()
        .isInstanceOf(io.netty.handler.codec.http.LastHttpContent.class);
    text(end.get(0));
    assertThat(lastAt).containsExactly(40L); // the last part flushes by itself and ends it
    assertThat(delivered).as("the client's connection took it").isEqualTo(1);

    StreamSummary s = relay.complete(40);
    assertThat(s.headersNanos()).isEqualTo(10);
    assertThat(s.firstEventNanos()).isEqualTo(20);
    assertThat(s.firstTokenNanos()).isEqualTo(30);
    assertThat(s.completionTokens()).isEqualTo(1);
    assertThat(s.done()).isTrue();
  }

  @Test
  void thePartsOfOneUpstreamReadGoOutAsOnePartWithTheirBytesInOrder() {
    // Three SSE events decoded from one upstream read (a backlogged upstream socket): one part to
    // the client, and on the wire one chunk holding the three events, byte for byte.
    EmbeddedChannel wire =
        new EmbeddedChannel(new HttpResponseEncoder(), new ChannelInboundHandlerAdapter());
    ResponseRelay r = relayThrough(wire.pipeline().lastContext(), new byte[16]);
    String a = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n";
    String b = "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n";
    String c = "data: {\"choices\":[{\"delta\":{\"content\":\"c\"}}]}\n\n";
    r.onHead(head("text/event-stream"), true, "req-m", 10);
    r.onContent(part(a), 20);
    r.onContent(part(b), 21);
    r.onContent(part(c), 22);
    assertThat((Object) wire.readOutbound()).as("nothing before the read's end").isNull();
    r.flush();

    String bytes = drain(wire);
    String body = a + b + c;
    assertThat(bytes)
        .contains("transfer-encoding: chunked\r\n")
        .endsWith("\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n");
    assertThat(r.complete(22).tokenChunks()).as("each event tapped as it came").isEqualTo(3);

    r.onContent(part(a), 30); // the next read: a part by itself
    r.onContent(last(""), 31);
    assertThat(drain(wire))
        .isEqualTo(Integer.toHexString(a.length()) + "\r\n" + a + "\r\n" + "0\r\n\r\n");
    wire.finishAndReleaseAll();
  }

  private static String drain(EmbeddedChannel wire) {
    StringBuilder out = new StringBuilder();
    io.netty.buffer.ByteBuf b;
    while ((b = wire.readOutbound()) != null) {
      out.append(b.toString(StandardCharsets.UTF_8));
      b.release();
    }
    return out.toString();
  }

  @Test
  void aLargePartGoesOutAsItCameAfterThePartsBeforeIt() {
    relay.onHead(head("text/event-stream"), true, "req-l", 10);
    String big = "x".repeat(ResponseRelay.MERGE_LIMIT + 1);
    HttpContent large = part(big);
    relay.onContent(part("one "), 20);
    relay.onContent(part("two "), 21);
    relay.onContent(large, 22);
    relay.onContent(part("three"), 23);
    relay.flush();

    List<Object> out = sent();
    assertThat(out).hasSize(4);
    assertThat(text(out.get(1))).isEqualTo("one two ");
    assertThat(((HttpContent) out.get(2)).content())
        .as("the large part's own buffer, not a copy")
        .isSameAs(large.content());
    assertThat(text(out.get(2))).isEqualTo(big);
    assertThat(text(out.get(3))).isEqualTo("three");
  }

  @Test
  void aPartNotYetWrittenIsReleasedWhenTheExchangeEnds() {
    relay.onHead(head("text/event-stream"), true, "req-c", 10);
    HttpContent p = part("data: {}\n\n");
    relay.onContent(p, 20);
    assertThat(p.refCnt()).as("held by the relay until the read ends").isEqualTo(1);

    relay.close();

    assertThat(p.refCnt()).isZero();
    sent().forEach(io.netty.util.ReferenceCountUtil::release); // the head
  }

  @Test
  void relaysOfOneLoopShareItsCopyBufferAndEachReadsOnlyItsOwnBytes() {
    // Two exchanges of one event loop, their parts interleaved, tapped through one copy buffer
    // smaller than a part (as LoopScratch.get() gives both): each summary must hold only
    // its own stream's tokens and ids.
    byte[] shared = new byte[16];
    EmbeddedChannel other = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    ChannelHandlerContext otherCtx = other.pipeline().firstContext();
    ResponseRelay a = relayThrough(ctx, shared);
    ResponseRelay b = relayThrough(otherCtx, shared);
    a.onHead(head("text/event-stream"), true, "req-a", 10);
    b.onHead(head("text/event-stream"), true, "req-b", 11);
    for (int i = 0; i < 3; i++) {
      a.onContent(
          part("data: {\"id\":\"chat-a\",\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"),
          20 + i);
      b.onContent(part("data: {\"id\":\"chat-b\",\"choices\":[{\"delta\":"), 20 + i);
      b.onContent(part("{\"content\":\"y\"}}]}\n\n"), 20 + i);
    }
    a.onContent(last("data: {\"choices\":[],\"usage\":{\"completion_tokens\":3}}\n\n"), 30);
    b.onContent(last("data: {\"choices\":[],\"usage\":{\"completion_tokens\":6}}\n\n"), 31);

    StreamSummary sa = a.complete(30);
    StreamSummary sb = b.complete(31);
    assertThat(sa.responseId()).isEqualTo("chat-a");
    assertThat(sb.responseId()).isEqualTo("chat-b");
    assertThat(sa.tokenChunks()).isEqualTo(3);
    assertThat(sb.tokenChunks()).isEqualTo(3);
    assertThat(sa.completionTokens()).isEqualTo(3);
    assertThat(sb.completionTokens()).isEqualTo(6);
    sent().forEach(io.netty.util.ReferenceCountUtil::release);
    other.finishAndReleaseAll(); // what the relay wrote there
  }

  private static ResponseRelay relayThrough(ChannelHandlerContext ctx, byte[] scratch) {
    return new ResponseRelay(
        ctx,
        new UpstreamLeg(new UpstreamPool(), ctx, URI.create("http://127.0.0.1:1"), null),
        scratch,
        null,
        new PhaseClock(1),
        at -> {},
        () -> {});
  }

  @Test
  void aPlainBodyIsRelayedUnchangedAndReadForUsage() {
    String json =
        "{\"id\":\"x\",\"choices\":[{\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":6}}";
    relay.onHead(head("application/json"), false, "req-3", 10);
    relay.onContent(part(json.substring(0, 25)), 20);
    relay.onContent(last(json.substring(25)), 21);

    List<Object> out = sent();
    assertThat(out).hasSize(3);
    assertThat(HttpUtil.isKeepAlive((HttpResponse) out.get(0))).isFalse();
    assertThat(text(out.get(1)) + text(out.get(2))).isEqualTo(json);
    StreamSummary s = relay.complete(21);
    assertThat(s.promptTokens()).isEqualTo(4);
    assertThat(s.completionTokens()).isEqualTo(6);
    assertThat(s.finishReasons()).containsExactly("stop");
  }

  @Test
  void aResponseCutShortSaysWhatTheStreamHadSaid() {
    relay.onHead(head("text/event-stream"), true, "req-4", 10);
    relay.onContent(part("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"), 20);

    StreamSummary s = relay.interrupted(25);

    assertThat(s.firstTokenNanos()).isEqualTo(20);
    assertThat(s.done()).isFalse();
    assertThat(lastAt).isEmpty();
    sent().stream().filter(o -> o instanceof HttpContent).forEach(ResponseRelayTest::text);
  }
}
