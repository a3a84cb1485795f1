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
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;

/**
 * The twin's two listeners: the OpenAI-compatible API (with {@code /metrics}, {@code /health} and
 * {@code /admin/faults}) and the DCGM exporter's {@code /metrics}.
 */
public final class SimHttpServer implements AutoCloseable {
  private static final int MAX_INITIAL_LINE = 8192;
  private static final int MAX_HEADER_BYTES = 16 * 1024;

  private final Channel api;
  private final EventLoopGroup group;
  private final DcgmHttpHandler dcgmHandler;
  private final InetSocketAddress dcgmAddress;
  private final ChannelGroup dcgmConnections;
  private Channel dcgm;

  private SimHttpServer(
      Channel api,
      Channel dcgm,
      EventLoopGroup group,
      DcgmHttpHandler dcgmHandler,
      ChannelGroup dcgmConnections) {
    this.api = api;
    this.dcgm = dcgm;
    this.group = group;
    this.dcgmHandler = dcgmHandler;
    this.dcgmConnections = dcgmConnections;
    this.dcgmAddress = (InetSocketAddress) dcgm.localAddress();
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
    Channel api = bind(group, apiAddress, apiHandler, options.maxBodyBytes(), null);
    Channel dcgm;
    DcgmHttpHandler dcgmHandler = new DcgmHttpHandler(pages);
    ChannelGroup dcgmConnections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    try {
      dcgm = bind(group, dcgmAddress, dcgmHandler, 64 * 1024, dcgmConnections);
    } catch (RuntimeException | InterruptedException e) {
      api.close();
      throw e;
    }
    return new SimHttpServer(api, dcgm, group, dcgmHandler, dcgmConnections);
  }

  /**
   * Stops the DCGM exporter's listener and resets its open connections, as a killed exporter pod
   * would; {@link #startDcgm()} brings it back on the same port. The API is not touched.
   */
  public synchronized void stopDcgm() {
    dcgm.close().syncUninterruptibly();
    dcgmConnections.close().syncUninterruptibly();
  }

  /** Listens again for the DCGM exporter where it listened before {@link #stopDcgm()}. */
  public synchronized void startDcgm() throws InterruptedException {
    if (!dcgm.isOpen()) {
      dcgm = bind(group, dcgmAddress, dcgmHandler, 64 * 1024, dcgmConnections);
    }
  }

  private static Channel bind(
      EventLoopGroup group,
      InetSocketAddress address,
      ChannelHandler handler,
      int maxBody,
      @javax.annotation.Nullable ChannelGroup connections)
      throws InterruptedException {
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                if (connections != null) {
                  connections.add(ch);
                }
                ch.pipeline()
                    .addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                    .addLast("keep-alive", new HttpServerKeepAliveHandler())
                    .addLast("body", new JsonBodyLimit(maxBody))
                    .addLast("handler", handler)
                    .addLast("quiet-reset", QuietReset.INSTANCE);
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
    return dcgmAddress;
  }

  /** Stops listening; open connections close with the event loops. */
  @Override
  public synchronized void close() {
    api.close().syncUninterruptibly();
    dcgm.close().syncUninterruptibly();
  }
}
