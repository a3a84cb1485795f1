package dev.infertrace.testbed.sim.http;

import dev.infertrace.testbed.sim.SimClock;
import dev.infertrace.testbed.sim.engine.Engine;
import dev.infertrace.testbed.sim.fault.FaultSchedule;
import dev.infertrace.testbed.sim.gpu.GpuSet;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;

/**
 * The twin's two listeners: the OpenAI-compatible API (with {@code /metrics}, {@code /health} and
 * {@code /admin/faults}) and the DCGM exporter's {@code /metrics}.
 */
public final class SimHttpServer implements AutoCloseable {
  private static final int MAX_INITIAL_LINE = 8192;
  private static final int MAX_HEADER_BYTES = 16 * 1024;

  private final Channel api;
  private final Channel dcgm;

  private SimHttpServer(Channel api, Channel dcgm) {
    this.api = api;
    this.dcgm = dcgm;
  }

  /** Binds both listeners (port 0 picks a free one); throws when a port is taken. */
  public static SimHttpServer start(
      EventLoopGroup group,
      InetSocketAddress apiAddress,
      InetSocketAddress dcgmAddress,
      SimHttpOptions options,
      Engine engine,
      FaultSchedule faults,
      SimClock clock,
      GpuSet gpus)
      throws InterruptedException {
    MetricsPages pages = new MetricsPages(engine.metrics(), gpus);
    SimHttpHandler apiHandler = new SimHttpHandler(options, engine, faults, clock, pages);
    Channel api = bind(group, apiAddress, apiHandler, options.maxBodyBytes());
    Channel dcgm;
    try {
      dcgm = bind(group, dcgmAddress, new DcgmHttpHandler(pages), 64 * 1024);
    } catch (RuntimeException | InterruptedException e) {
      api.close();
      throw e;
    }
    return new SimHttpServer(api, dcgm);
  }

  private static Channel bind(
      EventLoopGroup group, InetSocketAddress address, ChannelHandler handler, int maxBody)
      throws InterruptedException {
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                    .addLast("keep-alive", new HttpServerKeepAliveHandler())
                    .addLast("body", new JsonBodyLimit(maxBody))
                    .addLast("handler", handler);
              }
            })
        .bind(address)
        .sync()
        .channel();
  }

  public InetSocketAddress apiAddress() {
    return (InetSocketAddress) api.localAddress();
  }

  public InetSocketAddress dcgmAddress() {
    return (InetSocketAddress) dcgm.localAddress();
  }

  /** Stops listening; open connections close with the event loops. */
  @Override
  public void close() {
    api.close().syncUninterruptibly();
    dcgm.close().syncUninterruptibly();
  }
}
