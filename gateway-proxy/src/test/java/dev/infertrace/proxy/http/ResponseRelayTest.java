package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.stream.StreamSummary;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
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
  void thePartsOfOneUpstreamReadGoOutAsOneWritePastTheEncoderChunkForChunk() {
    // Three SSE events decoded from one upstream read (a backlogged upstream socket), then a read
    // with one event, one with a part over the merge limit between two small ones, then the end:
    // through the client pipeline as the proxy builds it (RawWrites in front of the encoder), each
    // read's small parts are one queued write; the wire holds the same bytes, chunk for chunk, as
    // the encoder alone writes for the same parts.
    String a = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n";
    String b = "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n";
    String big =
        "data: {\"choices\":[{\"delta\":{\"content\":\""
            + "x".repeat(ReadBatch.MERGE_LIMIT)
            + "\"}}]}\n\n";
    List<List<String>> reads = List.of(List.of(a, b, a), List.of(b), List.of(a, big, b));

    EmbeddedChannel framed = asTheProxyBuildsIt();
    List<String> writes = relayReads(framed, reads);
    EmbeddedChannel encoded = encoderAlone();
    String wire = String.join("", relayReads(encoded, reads));

    assertThat(String.join("", writes)).isEqualTo(wire);
    String head = writes.get(0);
    assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").contains("transfer-encoding: chunked\r\n");
    assertThat(writes.subList(1, writes.size()))
        .as("one write per read of small parts; the large part as the encoder frames it")
        .containsExactly(
            chunk(a) + chunk(b) + chunk(a),
            chunk(b),
            chunk(a),
            Integer.toHexString(big.length()) + "\r\n",
            big,
            "\r\n",
            chunk(b),
            "0\r\n\r\n");
    framed.finishAndReleaseAll();
    encoded.finishAndReleaseAll();
  }

  private static String chunk(String bytes) {
    return Integer.toHexString(bytes.length()) + "\r\n" + bytes + "\r\n";
  }

  @Test
  void chunkSizeLinesAreTheEncodersAtEveryLength() {
    // 1 to 4 hex digits, powers of 16 and the numbers beside them, up to the merge limit
    List<List<String>> reads = new ArrayList<>();
    for (int n : new int[] {1, 15, 16, 17, 255, 256, 257, 4095, 4096, ReadBatch.MERGE_LIMIT}) {
      reads.add(List.of("y".repeat(n)));
    }
    EmbeddedChannel framed = asTheProxyBuildsIt();
    EmbeddedChannel encoded = encoderAlone();
    assertThat(String.join("", relayReads(framed, reads)))
        .isEqualTo(String.join("", relayReads(encoded, reads)));
    framed.finishAndReleaseAll();
    encoded.finishAndReleaseAll();
  }

  @Test
  void aBodyWithAContentLengthGoesPastTheEncoderUnframed() {
    String json = "{\"id\":\"x\",\"choices\":[],\"usage\":{\"completion_tokens\":2}}";
    EmbeddedChannel framed = asTheProxyBuildsIt();
    ResponseRelay r = relayThrough(framed.pipeline().lastContext(), new byte[16]);
    HttpResponse h = head("application/json");
    HttpUtil.setContentLength(h, json.length());
    r.onHead(h, true, "req-j", 10);
    r.onContent(part(json.substring(0, 10)), 20);
    r.onContent(part(json.substring(10, 20)), 20);
    r.flush();
    r.onContent(last(json.substring(20)), 21);

    List<String> writes = drain(framed);
    assertThat(writes.get(0)).contains("content-length: " + json.length() + "\r\n");
    assertThat(writes.subList(1, writes.size()))
        .containsExactly(json.substring(0, 20), json.substring(20));
    assertThat(r.complete(21).completionTokens()).isEqualTo(2);
    framed.finishAndReleaseAll();
  }

  /** A client pipeline as ProxyPipeline builds it: RawWrites in front of the HTTP encoder. */
  private static EmbeddedChannel asTheProxyBuildsIt() {
    return new EmbeddedChannel(
        RawWrites.INSTANCE, new HttpResponseEncoder(), new ChannelInboundHandlerAdapter());
  }

  /** The HTTP encoder alone: what Netty writes for the same parts, to compare with. */
  private static EmbeddedChannel encoderAlone() {
    return new EmbeddedChannel(new HttpResponseEncoder(), new ChannelInboundHandlerAdapter());
  }

  /** Relays {@code reads} (one flush each) and the end through {@code wire}: what it wrote. */
  private static List<String> relayReads(EmbeddedChannel wire, List<List<String>> reads) {
    ResponseRelay r = relayThrough(wire.pipeline().lastContext(), new byte[16]);
    r.onHead(head("text/event-stream"), true, "req-m", 10);
    long t = 20;
    for (List<String> read : reads) {
      for (String p : read) {
        r.onContent(part(p), t++);
      }
      r.flush();
    }
    r.onContent(last(""), t);
    return drain(wire);
  }

  private static List<String> drain(EmbeddedChannel wire) {
    List<String> out = new ArrayList<>();
    ByteBuf b;
    while ((b = wire.readOutbound()) != null) {
      out.add(b.toString(StandardCharsets.UTF_8));
      b.release();
    }
    return out;
  }

  @Test
  void aLargePartGoesOutAsItCameAfterThePartsBeforeIt() {
    EmbeddedChannel framed = asTheProxyBuildsIt();
    List<Object> written = new ArrayList<>();
    framed
        .pipeline()
        .addFirst(
            new ChannelOutboundHandlerAdapter() {
              @Override
              public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise p) {
                written.add(msg); // what reaches the socket, in order
                ctx.write(msg, p);
              }
            });
    ResponseRelay r = relayThrough(framed.pipeline().lastContext(), new byte[16]);
    r.onHead(head("text/event-stream"), true, "req-l", 10);
    String big = "x".repeat(ReadBatch.MERGE_LIMIT + 1);
    HttpContent large = part(big);
    ByteBuf largeBytes = large.content();
    r.onContent(part("one "), 20);
    r.onContent(part("two "), 21);
    r.onContent(large, 22);
    r.onContent(part("three"), 23);
    r.flush();

    assertThat(written)
        .hasSize(6); // head; one, two; the large part's size line, bytes, CRLF; three
    assertThat(written.get(3)).as("the large part's own buffer, not a copy").isSameAs(largeBytes);
    List<String> out = drain(framed);
    assertThat(out.get(0)).startsWith("HTTP/1.1 200 OK\r\n");
    assertThat(out.subList(1, out.size()))
        .containsExactly(
            chunk("one ") + chunk("two "),
            Integer.toHexString(big.length()) + "\r\n",
            big,
            "\r\n",
            chunk("three"));
    framed.finishAndReleaseAll();
  }

  @Test
  void partsNotYetWrittenAreReleasedWhenTheExchangeEnds() {
    // The batch's buffer comes from the channel's allocator: every buffer it gave must be freed.
    List<ByteBuf> given = new ArrayList<>();
    EmbeddedChannel framed = asTheProxyBuildsIt();
    framed
        .config()
        .setAllocator(
            new AbstractByteBufAllocator(false) {
              @Override
              protected ByteBuf newHeapBuffer(int initial, int max) {
                ByteBuf b = new UnpooledHeapByteBuf(this, initial, max);
                given.add(b);
                return b;
              }

              @Override
              protected ByteBuf newDirectBuffer(int initial, int max) {
                return newHeapBuffer(initial, max);
              }

              @Override
              public boolean isDirectBufferPooled() {
                return false;
              }
            });
    ResponseRelay r = relayThrough(framed.pipeline().lastContext(), new byte[16]);
    r.onHead(head("text/event-stream"), true, "req-c", 10);
    given.clear(); // the head's encoding, written
    HttpContent p = part("data: {}\n\n");
    r.onContent(p, 20);
    r.onContent(part("data: {}\n\n"), 21);
    assertThat(p.refCnt()).as("copied, not kept").isZero();
    assertThat(given).hasSize(1).allMatch(b -> b.refCnt() == 1);

    r.close();

    assertThat(given).allMatch(b -> b.refCnt() == 0);
    framed.finishAndReleaseAll(); // the head
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
