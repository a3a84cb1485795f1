package dev.infertrace.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import javax.annotation.Nullable;

/**
 * The body parts one upstream read brought, on their way to the client as one write: copied into
 * one buffer as they are relayed, written when the read is over (where each part written by itself
 * was flushed too, so the client gets the same bytes at the same time). A chunked body's parts go
 * out as one chunk, framed here and written past the HTTP encoder ({@link RawWrites}) when the
 * pipeline has that place: one queued write per read, where the encoder queued three writes and
 * four promises per part, and a client slower than the upstream had hundreds of them queued per
 * stream. A part over {@link #MERGE_LIMIT} goes through the encoder as it came, without a copy. Not
 * the last part: that one ends the message in the encoder. One exchange, one event loop.
 */
final class ReadBatch {
  /** Parts up to this size are copied into the batch; a larger one is written as it came. */
  static final int MERGE_LIMIT = 8 * 1024;

  // room before the bytes for a chunk's size line: up to 8 hex digits and CRLF
  private static final int HEADROOM = 10;
  private static final byte[] HEX =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final ChannelHandlerContext client;
  @Nullable private final ChannelHandlerContext raw;
  private final ChannelFutureListener onWritten;
  private boolean chunked;
  @Nullable private ByteBuf pending;

  /**
   * @param client the proxy's context: writes from it go through the HTTP encoder
   * @param onWritten told of each write's outcome
   */
  ReadBatch(ChannelHandlerContext client, ChannelFutureListener onWritten) {
    this.client = client;
    this.raw = client.pipeline().context(RawWrites.class);
    this.onWritten = onWritten;
  }

  /** The head as written: whether the body is chunked. */
  void head(HttpResponse written) {
    chunked = HttpUtil.isTransferEncodingChunked(written);
  }

  /** Adds a body part that is not the last; the caller keeps its own reference. */
  void add(ByteBuf part) {
    int n = part.readableBytes();
    if (n == 0) {
      return;
    }
    if (n > MERGE_LIMIT) {
      write(); // what came before it goes first
      client.write(new DefaultHttpContent(part.retain())).addListener(onWritten);
      return;
    }
    if (pending == null) {
      pending = client.alloc().buffer(HEADROOM + n + 2);
      pending.setIndex(HEADROOM, HEADROOM);
    }
    pending.writeBytes(part, part.readerIndex(), n);
  }

  /** Writes what was added since the last write, if anything (no flush). */
  void write() {
    ByteBuf p = pending;
    if (p == null) {
      return;
    }
    pending = null;
    if (raw == null) {
      client.write(new DefaultHttpContent(p)).addListener(onWritten);
      return;
    }
    if (chunked) {
      frame(p);
    }
    raw.write(p).addListener(onWritten);
  }

  /** The exchange is over: what was not written is dropped. */
  void release() {
    if (pending != null) {
      pending.release();
      pending = null;
    }
  }

  /**
   * {@code size-in-hex CRLF bytes CRLF}, as HTTP/1.1's chunked coding and Netty's encoder write.
   */
  private static void frame(ByteBuf p) {
    int n = p.readableBytes();
    int digits = (35 - Integer.numberOfLeadingZeros(n)) / 4;
    int at = p.readerIndex() - digits - 2;
    for (int i = digits - 1, v = n; i >= 0; i--, v >>>= 4) {
      p.setByte(at + i, HEX[v & 15]);
    }
    p.setByte(at + digits, '\r');
    p.setByte(at + digits + 1, '\n');
    p.readerIndex(at);
    p.writeByte('\r').writeByte('\n');
  }
}
