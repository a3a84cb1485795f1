package dev.infertrace.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One upstream read's SSE frames written to the client's channel and flushed, as the relay does at
 * the read's end: each frame as an HTTP part through Netty's encoder (the relay until session 8),
 * or the read's frames framed by {@link ReadBatch} (a chunk each, as the encoder frames them) in
 * one buffer written past the encoder ({@link RawWrites}). The channel is an {@link
 * EmbeddedChannel} whose written messages are released, so the socket is not counted: what differs
 * is the pipeline's work and its garbage per frame ({@code -prof gc}). In package {@code
 * dev.infertrace.proxy.http} for its package-private classes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BodyWriteBenchmarks {
  private static final ByteBuf FRAME =
      Unpooled.unreleasableBuffer(
          Unpooled.directBuffer()
              .writeBytes(
                  ("data: {\"id\":\"chatcmpl-7f1c\",\"object\":\"chat.completion.chunk\","
                          + "\"created\":1732900000,\"model\":\"llama-3.1-8b\",\"choices\":[{"
                          + "\"index\":0,\"delta\":{\"content\":\" token\"},\"logprobs\":null,"
                          + "\"finish_reason\":null}]}\n\n")
                      .getBytes(StandardCharsets.UTF_8)));

  /** Frames one upstream read brought: 1 while the client keeps up, more when it lags. */
  @Param({"1", "8"})
  public int framesPerRead;

  private EmbeddedChannel encoded;
  private EmbeddedChannel framed;
  private ChannelHandlerContext encodedCtx;
  private ReadBatch batch;
  private final ChannelFutureListener written = f -> {};

  @Setup(Level.Trial)
  public void setUp() {
    encoded = new EmbeddedChannel(new HttpResponseEncoder(), new ChannelInboundHandlerAdapter());
    encodedCtx = encoded.pipeline().lastContext();
    framed =
        new EmbeddedChannel(
            RawWrites.INSTANCE, new HttpResponseEncoder(), new ChannelInboundHandlerAdapter());
    batch = new ReadBatch(framed.pipeline().lastContext(), written);
    for (EmbeddedChannel ch : new EmbeddedChannel[] {encoded, framed}) {
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      HttpUtil.setTransferEncodingChunked(head, true);
      ch.pipeline().lastContext().writeAndFlush(head);
      if (ch == framed) {
        batch.head(head);
      }
      drain(ch);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    encoded.finishAndReleaseAll();
    framed.finishAndReleaseAll();
  }

  /** Each frame as its own part through the encoder: three writes and a promise combiner each. */
  @Benchmark
  public int eachFrameThroughTheEncoder() {
    for (int i = 0; i < framesPerRead; i++) {
      encodedCtx.write(new DefaultHttpContent(FRAME.retainedDuplicate())).addListener(written);
    }
    encodedCtx.flush();
    return drain(encoded);
  }

  /** The read's frames framed into one buffer and written past the encoder. */
  @Benchmark
  public int oneWritePastTheEncoder() {
    for (int i = 0; i < framesPerRead; i++) {
      batch.add(FRAME);
    }
    batch.write();
    framed.flush();
    return drain(framed);
  }

  private static int drain(EmbeddedChannel ch) {
    int n = 0;
    Object m;
    while ((m = ch.outboundMessages().poll()) != null) {
      ReferenceCountUtil.release(m);
      n++;
    }
    return n;
  }
}
