package dev.infertrace.proxy.http;

import dev.infertrace.core.stream.ResponseTap;
import dev.infertrace.core.stream.StreamSummary;
import dev.infertrace.proxy.epp.ExtProcStream;
import dev.infertrace.proxy.state.Clock;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.function.LongConsumer;
import javax.annotation.Nullable;

/**
 * The response on its way from the upstream to the client: the head rewritten (hop-by-hop headers
 * out, keep-alive as the client asked, the request id in), each body part tapped for the trace
 * ({@link ResponseTap}) as it arrives, the parts of one upstream read written as one when the read
 * is over ({@link ReadBatch}), the next upstream read only once the client's socket took them. As
 * the gateway, the head waits for the EPP's answer to it (which may change it) and the body parts
 * decoded meanwhile wait behind it. One per exchange, made when the response head arrives; one
 * event loop.
 */
final class ResponseRelay {
  /** Non-streaming response bodies are read for usage up to this size (the rest is relayed). */
  static final int RESPONSE_READ_LIMIT = 1024 * 1024;

  private final ChannelHandlerContext client;
  private final UpstreamLeg leg;
  private final byte[] scratch;
  private final ResponseTap tap = new ResponseTap(RESPONSE_READ_LIMIT);
  @Nullable private final ExtProcStream epp;
  private final PhaseClock clock;
  private final LongConsumer onLast;
  private final Runnable onDelivered;
  private final ChannelFutureListener lastWritten = this::lastWritten;
  private long flushedAt;

  /**
   * Backpressure of the response: the next read from the upstream once the client's socket took
   * what the last one brought (one listener per exchange, not one per chunk). A write that
   * completes after its flush waited for the client: that wait is the client's, not the relay's.
   */
  private final ChannelFutureListener writtenThenReadOn = this::writtenThenReadOn;

  @Nullable private ArrayDeque<Held> held;

  /** The body parts of the current upstream read, written as one when it is over. */
  private final ReadBatch batch;

  private boolean keepAlive;
  private boolean unflushed;
  private boolean closed;

  /**
   * @param scratch the copy buffer the tap reads through ({@link LoopScratch#get()})
   * @param epp the EPP stream to show the response to (as the gateway), or null
   * @param clock where the waits inside the response are noted
   * @param onLast called with the time the last part was written (the upstream's part is over)
   * @param onDelivered called once the client's connection took the last part
   */
  ResponseRelay(
      ChannelHandlerContext client,
      UpstreamLeg leg,
      byte[] scratch,
      @Nullable ExtProcStream epp,
      PhaseClock clock,
      LongConsumer onLast,
      Runnable onDelivered) {
    this.client = client;
    this.leg = leg;
    this.scratch = scratch;
    this.epp = epp;
    this.clock = clock;
    this.onLast = onLast;
    this.onDelivered = onDelivered;
    this.batch = new ReadBatch(client, writtenThenReadOn);
  }

  private void writtenThenReadOn(io.netty.channel.ChannelFuture f) {
    if (f.isSuccess()) {
      if (flushedAt != 0) {
        clock.clientStall(Clock.now() - flushedAt);
        flushedAt = 0;
      }
      leg.read();
    }
  }

  /** Relays the head, or holds it for the EPP's answer to it. */
  void onHead(HttpResponse r, boolean clientKeepAlive, String requestId, long now) {
    tap.onHeaders(now, r.headers().get(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE));
    keepAlive = HttpUtil.isKeepAlive(r);
    // The upstream's head is ours to change: relayed with its own headers object, not a copy.
    HttpResponse out = new DefaultHttpResponse(r.protocolVersion(), r.status(), r.headers());
    HopByHop.strip(out.headers());
    if (!HttpUtil.isContentLengthSet(out) && !HttpUtil.isTransferEncodingChunked(out)) {
      HttpUtil.setTransferEncodingChunked(out, true); // a close-delimited upstream body
    }
    HttpUtil.setKeepAlive(out, clientKeepAlive);
    out.headers().set(RequestIds.HEADER, requestId);
    if (epp == null) {
      writeHead(out);
      return;
    }
    // As Envoy: the head goes out after the EPP's answer, which may mutate it.
    held = new ArrayDeque<>();
    epp.sendResponseHeaders(
        r.status().code(),
        out.headers(),
        () -> {
          clock.eppResponse(Clock.now() - now);
          ArrayDeque<Held> waiting = held;
          writeHead(out);
          Held h;
          while (waiting != null && (h = waiting.poll()) != null) {
            if (closed) {
              h.content().release();
            } else {
              relay(h.content(), h.nanos());
            }
          }
          flush();
        });
  }

  private void writeHead(HttpResponse out) {
    held = null;
    if (closed) {
      return;
    }
    unflushed = true; // flushed with the body read with it (flush()), or the last part
    batch.head(out);
    client.write(out).addListener(writtenThenReadOn);
  }

  /** A body part from the upstream. */
  void onContent(HttpContent c, long now) {
    if (held != null) {
      held.add(new Held(c, now)); // the head waits for the EPP; a body decoded with it waits too
      return;
    }
    relay(c, now);
  }

  private void relay(HttpContent c, long now) {
    ByteBuf buf = c.content();
    tap(buf, now);
    boolean last = c instanceof LastHttpContent;
    if (epp != null) {
      epp.sendResponseBody(buf, last);
    }
    if (!last) {
      unflushed = true;
      batch.add(buf); // written when the upstream read is over (flush())
      c.release();
      return;
    }
    // The last part flushes what is pending (a head and body from one read: one write syscall).
    batch.write();
    HttpContent out = HttpParts.last(buf.retain());
    c.release();
    unflushed = false;
    // The upstream's part is over first: a write the socket takes at once completes (and
    // reports delivery) inside writeAndFlush.
    onLast.accept(now);
    client.writeAndFlush(out).addListener(lastWritten);
  }

  private void lastWritten(io.netty.channel.ChannelFuture f) {
    if (f.isSuccess()) {
      onDelivered.run();
    } else {
      client.close(); // the client is gone before it had the end: a cancel (onClientGone)
    }
  }

  private void tap(ByteBuf buf, long now) {
    int from = buf.readerIndex();
    int left = buf.readableBytes();
    while (left > 0) {
      int n = Math.min(left, scratch.length);
      buf.getBytes(from, scratch, 0, n);
      tap.onBytes(scratch, 0, n, now);
      from += n;
      left -= n;
    }
  }

  /**
   * Sends what was written to the client; called when a read from the upstream is complete
   * (everything decoded from it is written) and after parts held for the EPP are written.
   */
  void flush() {
    batch.write();
    if (unflushed) {
      unflushed = false;
      flushedAt = Clock.now();
      client.flush();
    }
  }

  /** True when the upstream may carry another request once this response is read. */
  boolean upstreamKeepAlive() {
    return keepAlive;
  }

  /** The response arrived whole: what it said. */
  StreamSummary complete(long now) {
    return tap.complete(now);
  }

  /** The response stopped part-way: what a stream said until then, or null. */
  @Nullable
  StreamSummary interrupted(long now) {
    return tap.interrupted(now);
  }

  /** The exchange is over: parts still held are dropped, nothing more is written. */
  void close() {
    closed = true;
    batch.release();
    if (held != null) {
      held.forEach(h -> h.content().release());
      held = null;
    }
  }

  private record Held(HttpContent content, long nanos) {}
}
