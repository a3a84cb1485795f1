package dev.infertrace.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
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
