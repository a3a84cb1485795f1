package dev.infertrace.testbed.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * One closed-loop client connection: sends a request, reads the SSE stream event by event (timing
 * the first token chunk and every gap after it), and sends the next request on the same keep-alive
 * connection when the response ends.
 */
final class LoadConnection extends SimpleChannelInboundHandler<HttpObject> {
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = ascii("[DONE]");
  private static final byte[] NO_CHOICES = ascii("\"choices\":[]");
  private static final byte[] ROLE = ascii("\"role\":\"assistant\"");
  private static final int LINE_CAP = 256;

  private final String host;
  private final String path;
  private final RequestBodies bodies;
  private final LoadStats stats;
  private final BooleanSupplier mayStart;
  @javax.annotation.Nullable private final java.util.function.LongSupplier pacer;

  private final byte[] line = new byte[LINE_CAP];
  private int lineLength;
  private long sentAt;
  private long lastTokenAt;
  private int status;
  private boolean inFlight;

  LoadConnection(
      String host, String path, RequestBodies bodies, LoadStats stats, BooleanSupplier mayStart) {
    this(host, path, bodies, stats, mayStart, null);
  }

  /**
   * @param pacer open loop: the intended send time (System.nanoTime) of this connection's next
   *     request; latencies count from that time, so a late send is not hidden (coordinated
   *     omission). Null: closed loop.
   */
  LoadConnection(
      String host,
      String path,
      RequestBodies bodies,
      LoadStats stats,
      BooleanSupplier mayStart,
      @javax.annotation.Nullable java.util.function.LongSupplier pacer) {
    this.pacer = pacer;
    this.host = host;
    this.path = path;
    this.bodies = bodies;
    this.stats = stats;
    this.mayStart = mayStart;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    sendNext(ctx);
  }

  private void sendNext(ChannelHandlerContext ctx) {
    if (pacer != null) {
      long at = pacer.getAsLong();
      long wait = at - System.nanoTime();
      if (wait > 0) {
        ctx.executor()
            .schedule(() -> send(ctx, at), wait, java.util.concurrent.TimeUnit.NANOSECONDS);
      } else {
        send(ctx, at);
      }
      return;
    }
    send(ctx, 0);
  }

  private void send(ChannelHandlerContext ctx, long intendedAt) {
    if (!ctx.channel().isActive()) {
      return;
    }
    if (!mayStart.getAsBoolean()) {
      ctx.close();
      return;
    }
    byte[] body = bodies.next().getBytes(StandardCharsets.UTF_8);
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.POST,
            path,
            ctx.alloc().buffer(body.length).writeBytes(body));
    request.headers().set(HttpHeaderNames.HOST, host);
    request.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    HttpUtil.setContentLength(request, body.length);
    lineLength = 0;
    lastTokenAt = 0;
    status = 0;
    inFlight = true;
    stats.sent.increment();
    sentAt = intendedAt != 0 ? intendedAt : System.nanoTime();
    ctx.writeAndFlush(request);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
    if (msg instanceof HttpResponse response) {
      status = response.status().code();
    }
    if (msg instanceof HttpContent content) {
      if (status == 200) {
        scan(content.content());
      }
      if (msg instanceof LastHttpContent) {
        inFlight = false;
        if (status == 200) {
          if (lastTokenAt == 0) {
            stats.recordTtft(System.nanoTime() - sentAt); // non-streaming: whole body
          }
          stats.recordEnd(System.nanoTime() - sentAt);
        } else {
          stats.recordFailure("HTTP " + status);
        }
        sendNext(ctx);
      }
    }
  }

  private void scan(ByteBuf buf) {
    for (int i = buf.readerIndex(); i < buf.writerIndex(); i++) {
      byte b = buf.getByte(i);
      if (b == '\n') {
        onLine();
        lineLength = 0;
      } else if (lineLength < LINE_CAP) {
        line[lineLength++] = b;
      }
    }
  }

  private void onLine() {
    if (lineLength < DATA.length || !startsWith(DATA, 0)) {
      return;
    }
    if (contains(DONE) || contains(NO_CHOICES) || contains(ROLE)) {
      return; // not a token chunk
    }
    long now = System.nanoTime();
    stats.chunks.increment();
    if (lastTokenAt == 0) {
      stats.recordTtft(now - sentAt);
    } else {
      stats.recordItl(now - lastTokenAt);
    }
    lastTokenAt = now;
  }

  private boolean contains(byte[] n) {
    for (int i = DATA.length; i + n.length <= lineLength; i++) {
      if (startsWith(n, i)) {
        return true;
      }
    }
    return false;
  }

  private boolean startsWith(byte[] prefix, int at) {
    for (int i = 0; i < prefix.length; i++) {
      if (line[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (inFlight) {
      stats.recordFailure("connection closed mid-response");
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (inFlight) {
      inFlight = false;
      stats.recordFailure(cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }
    ctx.close();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
