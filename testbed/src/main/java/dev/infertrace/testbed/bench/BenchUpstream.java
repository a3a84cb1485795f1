package dev.infertrace.testbed.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's upstream: fast and deterministic, so that what is measured is the proxy. A
 * non-streaming chat request gets a small fixed JSON answer at once; a streaming one ({@code
 * "stream":true} in the body) gets a role chunk, {@code frames} content chunks {@code gapMicros}
 * apart, a usage chunk and {@code [DONE]}, in the shape vLLM sends.
 */
public final class BenchUpstream implements AutoCloseable {
  static final byte[] JSON =
      ("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"bench\","
              + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
              + "\"finish_reason\":\"stop\"}],"
              + "\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":1,\"total_tokens\":9}}")
          .getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ROLE =
      frame(
          "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
  private static final byte[] TOKEN =
      frame(
          "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok\"},\"finish_reason\":null}]}");

  private final EventLoopGroup group;
  private final Channel channel;
  private final int frames;
  private final long gapMicros;

  private BenchUpstream(EventLoopGroup group, Channel channel, int frames, long gapMicros) {
    this.group = group;
    this.channel = channel;
    this.frames = frames;
    this.gapMicros = gapMicros;
  }

  public static BenchUpstream start(int threads, int frames, long gapMicros)
      throws InterruptedException {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            threads, new DefaultThreadFactory("bench-upstream", true), NioIoHandler.newFactory());
    BenchUpstream[] self = new BenchUpstream[1];
    Channel ch =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 4096)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel c) {
                    c.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(1 << 20))
                        .addLast(new Handler(self[0]));
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
    self[0] = new BenchUpstream(group, ch, frames, gapMicros);
    return self[0];
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static byte[] frame(String json) {
    return ("data: " + json + "\n\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final BenchUpstream up;

    Handler(BenchUpstream up) {
      this.up = up;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      boolean stream =
          req.content().toString(StandardCharsets.US_ASCII).contains("\"stream\":true");
      if (!stream) {
        DefaultFullHttpResponse r =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(JSON));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        HttpUtil.setContentLength(r, JSON.length);
        HttpUtil.setKeepAlive(r, keepAlive);
        var f = ctx.writeAndFlush(r);
        if (!keepAlive) {
          f.addListener(ChannelFutureListener.CLOSE);
        }
        return;
      }
      DefaultHttpResponse head =
          new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
      HttpUtil.setTransferEncodingChunked(head, true);
      HttpUtil.setKeepAlive(head, keepAlive);
      ctx.write(head);
      ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(ROLE)));
      send(ctx, 0, keepAlive);
    }

    private void send(ChannelHandlerContext ctx, int sent, boolean keepAlive) {
      if (!ctx.channel().isActive()) {
        return;
      }
      if (sent == up.frames) {
        ByteBuf tail =
            Unpooled.copiedBuffer(
                "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"
                    + "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":"
                    + up.frames
                    + ",\"total_tokens\":"
                    + (up.frames + 8)
                    + "}}\n\ndata: [DONE]\n\n",
                StandardCharsets.US_ASCII);
        ctx.write(new DefaultHttpContent(tail));
        var f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive) {
          f.addListener(ChannelFutureListener.CLOSE);
        }
        return;
      }
      ctx.executor()
          .schedule(
              () -> {
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(TOKEN)));
                send(ctx, sent + 1, keepAlive);
              },
              up.gapMicros,
              TimeUnit.MICROSECONDS);
    }
  }
}
