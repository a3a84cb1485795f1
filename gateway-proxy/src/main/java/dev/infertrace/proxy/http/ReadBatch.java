package dev.infertrace.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.StandardCharsets;
import javax.annotation.Nullable;

/**
 * The body parts one upstream read brought, on their way to the client as one write: each part
 * framed as Netty's HTTP encoder frames it (a chunked body's part as one chunk of its own: size
 * line, bytes, CRLF), the parts of the read in one buffer, written past the encoder from {@link
 * RawWrites} when the read is over (where each part written by itself was flushed too). The client
 * gets the same bytes, chunk for chunk, at the same time, and the channel queues one write per
 * read, where the encoder queued three writes and four promises per part (a client slower than the
 * upstream had hundreds of them queued per stream). A part over {@link #MERGE_LIMIT} goes through
 * the encoder as it came, without a copy, and so does every part in a pipeline without {@link
 * RawWrites}. Not the last part: that one ends the message in the encoder. One exchange, one event
 * loop.
 */
final class ReadBatch {
  /** Parts up to this size are copied into the batch; a larger one is written as it came. */
  static final int MERGE_LIMIT = 8 * 1024;

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

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
    this.raw = client.pipeline().context(RawWrites.INSTANCE);
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
    if (raw == null || n > MERGE_LIMIT) {
      write(); // what came before it goes first
      client.write(new DefaultHttpContent(part.retain())).addListener(onWritten);
      return;
    }
    if (pending == null) {
      pending = client.alloc().buffer(chunked ? n + 12 : n);
    }
    if (chunked) {
      sizeLine(pending, n);
      pending.writeBytes(part, part.readerIndex(), n).writeByte('\r').writeByte('\n');
    } else {
      pending.writeBytes(part, part.readerIndex(), n);
    }
  }

  /** Writes what was added since the last write, if anything (no flush). */
  void write() {
    ByteBuf p = pending;
    if (p != null && raw != null) {
      pending = null;
      raw.write(p).addListener(onWritten);
    }
  }

  /** The exchange is over: what was not written is dropped. */
  void release() {
    if (pending != null) {
      pending.release();
      pending = null;
    }
  }

  /**
   * A chunk's size in hex, lower case without leading zeros, and CRLF: as the encoder writes it.
   */
  private static void sizeLine(ByteBuf out, int n) {
    for (int shift = (31 - Integer.numberOfLeadingZeros(n)) & ~3; shift >= 0; shift -= 4) {
      out.writeByte(HEX[(n >>> shift) & 15]);
    }
    out.writeByte('\r').writeByte('\n');
  }
}
