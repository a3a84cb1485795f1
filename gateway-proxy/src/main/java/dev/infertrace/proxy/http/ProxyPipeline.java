package dev.infertrace.proxy.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The client-side pipeline, step by step: the place body bytes framed by the proxy are written from
 * ({@link RawWrites}), the HTTP codec, idle detection, the proxy itself.
 */
public final class ProxyPipeline extends ChannelInitializer<Channel> {
  private static final int MAX_INITIAL_LINE = 8192;
  private static final int MAX_CHUNK = 64 * 1024;

  private final ProxyContext px;

  public ProxyPipeline(ProxyContext px) {
    this.px = px;
  }

  /**
   * The proxy's listener on {@code group}, its accepted connections set up as clients need them (no
   * Nagle delay, reads only when the other leg can take more, the proxy's read buffers) and each
   * given this pipeline; bind it to listen.
   */
  public static ServerBootstrap listener(
      ProxyContext px, EventLoopGroup group, Transport transport) {
    return transport
        .clientFacing(new ServerBootstrap())
        .group(group)
        .channel(transport.serverChannel())
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.RCVBUF_ALLOCATOR, Transport.readBuffers())
        .childHandler(new ProxyPipeline(px));
  }

  @Override
  protected void initChannel(Channel ch) {
    ch.pipeline()
        .addLast("raw", RawWrites.INSTANCE)
        .addLast(
            "codec", new HttpServerCodec(MAX_INITIAL_LINE, px.config.maxHeaderBytes(), MAX_CHUNK))
        .addLast(
            "idle",
            new IdleStateHandler(0, 0, px.config.idleTimeout().toNanos(), TimeUnit.NANOSECONDS))
        .addLast("proxy", new FrontendHandler(px));
  }
}
