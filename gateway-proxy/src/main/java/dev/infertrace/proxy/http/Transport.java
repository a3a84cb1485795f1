package dev.infertrace.proxy.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;
import javax.annotation.Nullable;

/**
 * The proxy's socket transport: Linux's native epoll when its library loads, Java NIO otherwise.
 * With auto-read off (the proxy reads only when the other leg can take more), NIO turns every read
 * request into a selector interest change — an extra {@code epoll_ctl} per read — where epoll's
 * edge-triggered mode needs none. {@code INFERTRACE_TRANSPORT=nio} forces NIO; {@code epoll}
 * insists on epoll and fails at start when it cannot load.
 */
public enum Transport {
  EPOLL,
  NIO;

  /**
   * The environment variable that chooses: {@code auto} (default), {@code epoll} or {@code nio}.
   */
  public static final String ENV = "INFERTRACE_TRANSPORT";

  /** The transport for {@code setting} ({@code auto}, {@code epoll}, {@code nio}; null: auto). */
  public static Transport choose(@Nullable String setting) {
    String s =
        setting == null || setting.isBlank() ? "auto" : setting.strip().toLowerCase(Locale.ROOT);
    switch (s) {
      case "nio":
        return NIO;
      case "epoll":
        if (!Epoll.isAvailable()) {
          throw new IllegalArgumentException(
              ENV
                  + "=epoll but the native epoll transport does not load here: "
                  + Epoll.unavailabilityCause());
        }
        return EPOLL;
      case "auto":
        return Epoll.isAvailable() ? EPOLL : NIO;
      default:
        throw new IllegalArgumentException(
            ENV + " must be auto, epoll or nio, got '" + setting + "'");
    }
  }

  /** As {@link #choose(String)} from the environment. */
  public static Transport fromEnvironment() {
    return choose(System.getenv(ENV));
  }

  public IoHandlerFactory ioHandlerFactory() {
    return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  public Class<? extends ServerChannel> serverChannel() {
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The client socket class that fits the event loop {@code sibling} is registered on. */
  static Class<? extends Channel> socketChannelFor(Channel sibling) {
    return sibling instanceof EpollSocketChannel
        ? EpollSocketChannel.class
        : NioSocketChannel.class;
  }

  /**
   * The read-buffer sizing of both legs: adaptive as Netty's default, but never guessing below 1
   * KiB — a request or response head a few bytes over a shrunk guess otherwise costs a second read
   * and a second trip through the event loop. The buffer lives only until the read is decoded.
   */
  public static io.netty.channel.RecvByteBufAllocator readBuffers() {
    return READ_BUFFERS;
  }

  // Shared, as Netty's default allocator is: each channel keeps its own sizing state in a handle.
  private static final io.netty.channel.RecvByteBufAllocator READ_BUFFERS =
      new io.netty.channel.AdaptiveRecvByteBufAllocator(1024, 2048, 65536);

  /**
   * Unsent bytes a client-facing socket may hold in the kernel before it stops taking more: {@code
   * TCP_NOTSENT_LOWAT}, 16 KiB (epoll only). Without it Linux grows a socket's send buffer to
   * megabytes, a whole streamed answer fits, and the proxy ends its span seconds before a slow
   * client has read it — the wait on that client would be in no span. With it, the stream waits in
   * the proxy, where backpressure and {@code client.slow_read} see it; what stays unseen is at most
   * this much plus the client's receive window.
   */
  public static final int CLIENT_NOTSENT_LOWAT = 16 * 1024;

  /** Applies the client-facing socket options this transport supports to accepted sockets. */
  public ServerBootstrap clientFacing(ServerBootstrap bootstrap) {
    if (this == EPOLL) {
      bootstrap.childOption(EpollChannelOption.TCP_NOTSENT_LOWAT, (long) CLIENT_NOTSENT_LOWAT);
    }
    return bootstrap;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
