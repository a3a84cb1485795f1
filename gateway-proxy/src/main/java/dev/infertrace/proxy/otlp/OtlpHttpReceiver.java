package dev.infertrace.proxy.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The OTLP/HTTP side of {@link OtlpReceiver}: {@code POST /v1/traces}, protobuf, gzip or not. */
final class OtlpHttpReceiver implements AutoCloseable {
  static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
  private static final String PROTOBUF = "application/x-protobuf";

  private final EventLoopGroup group;
  private final Channel channel;

  private OtlpHttpReceiver(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  /**
   * Binds and serves; a connection idle for {@code idleTimeout} is closed, and one from a peer that
   * may not send spans is answered 403 before any body is decompressed or gathered.
   */
  static OtlpHttpReceiver start(
      InetSocketAddress address,
      OtlpReceiver.Listener sink,
      boolean loopbackOnly,
      Duration idleTimeout)
      throws IOException, InterruptedException {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("otlp-sink-http", true), NioIoHandler.newFactory());
    try {
      Channel channel =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(
                              new IdleStateHandler(
                                  0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS))
                          .addLast(dev.infertrace.proxy.listener.CloseIdle.INSTANCE);
                      if (loopbackOnly && !OtlpReceiver.isLoopback(ch.remoteAddress())) {
                        ch.pipeline().addLast(new Refuse(sink));
                        return;
                      }
                      ch.pipeline()
                          .addLast(new HttpServerKeepAliveHandler())
                          .addLast(new HttpContentDecompressor(0))
                          .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                          .addLast(new Handler(sink));
                    }
                  })
              .bind(address)
              .sync()
              .channel();
      return new OtlpHttpReceiver(group, channel);
    } catch (InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    } catch (Exception e) { // a bind failure arrives as an unchecked-thrown BindException
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw dev.infertrace.proxy.listener.ListenFailure.of(
          "spans over OTLP/HTTP (--otlp-receiver-http; each worker on a host needs its own)",
          address,
          e);
    }
  }

  int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** A peer that may not send spans: 403 to its first request, its body never looked at. */
  private static final class Refuse extends ChannelInboundHandlerAdapter {
    private final OtlpReceiver.Listener sink;

    Refuse(OtlpReceiver.Listener sink) {
      this.sink = sink;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      boolean head = msg instanceof io.netty.handler.codec.http.HttpRequest;
      ReferenceCountUtil.release(msg);
      if (head) {
        sink.countRejected();
        Handler.text(ctx, HttpResponseStatus.FORBIDDEN, "only loopback peers may send spans here")
            .addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final OtlpReceiver.Listener sink;

    Handler(OtlpReceiver.Listener sink) {
      this.sink = sink;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (!request.uri().equals("/v1/traces")) {
        text(ctx, HttpResponseStatus.NOT_FOUND, "only /v1/traces is served here");
        return;
      }
      if (!request.method().equals(HttpMethod.POST)) {
        text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "use POST");
        return;
      }
      String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
      if (!type.startsWith(PROTOBUF)) {
        sink.countRejected();
        text(
            ctx,
            HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
            "content-type '" + type + "' is not supported; send " + PROTOBUF);
        return;
      }
      if (sink.rejecting()) {
        sink.countRejected();
        text(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "the sink is rejecting");
        return;
      }
      ExportTraceServiceRequest export;
      try {
        export = ExportTraceServiceRequest.parseFrom(ByteBufUtil.getBytes(request.content()));
      } catch (InvalidProtocolBufferException e) {
        sink.countRejected();
        text(ctx, HttpResponseStatus.BAD_REQUEST, "malformed OTLP protobuf: " + e.getMessage());
        return;
      }
      sink.accept(export, "http");
      byte[] body = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, PROTOBUF);
      HttpUtil.setContentLength(response, body.length);
      ctx.writeAndFlush(response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }

    private static ChannelFuture text(
        ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
      byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
      FullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
      HttpUtil.setContentLength(response, body.length);
      return ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }
}
