package dev.infertrace.proxy.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
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
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;
import java.util.function.Supplier;
import javax.annotation.Nullable;

/**
 * The proxy's socket transport: Linux's io_uring where the kernel and the container's seccomp
 * profile allow it, else Linux's native epoll when its library loads, else Java NIO. io_uring
 * submits the reads and writes of a whole event-loop turn in one system call, where epoll makes one
 * per read and per write; in BENCHMARKS.md it cut the traced ingress's CPU per request by a quarter
 * to a third. With auto-read off (the proxy reads only when the other leg can take more), NIO turns
 * every read request into a selector interest change — an extra {@code epoll_ctl} per read — where
 * epoll's edge-triggered mode needs none. {@code INFERTRACE_TRANSPORT} forces one: {@code nio}, or
 * {@code epoll} or {@code io_uring}, which fail at start, naming the cause, when they cannot load.
 */
public enum Transport {
  EPOLL(
      EpollIoHandler::newFactory,
      EpollServerSocketChannel.class,
      EpollSocketChannel.class,
      () -> EpollChannelOption.TCP_NOTSENT_LOWAT),
  IO_URING(
      IoUringIoHandler::newFactory,
      IoUringServerSocketChannel.class,
      IoUringSocketChannel.class,
      () -> IoUringChannelOption.TCP_NOTSENT_LOWAT),
  NIO(NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class, null);

  // Suppliers, not values: a transport's native classes are initialised only once it is chosen.
  private final Supplier<IoHandlerFactory> ioHandlers;
  private final Class<? extends ServerChannel> serverChannel;
  private final Class<? extends Channel> socketChannel;
  @Nullable private final Supplier<ChannelOption<Long>> notSentLowat;

  Transport(
      Supplier<IoHandlerFactory> ioHandlers,
      Class<? extends ServerChannel> serverChannel,
      Class<? extends Channel> socketChannel,
      @Nullable Supplier<ChannelOption<Long>> notSentLowat) {
    this.ioHandlers = ioHandlers;
    this.serverChannel = serverChannel;
    this.socketChannel = socketChannel;
    this.notSentLowat = notSentLowat;
  }

  /**
   * The environment variable that chooses: {@code auto} (default), {@code epoll}, {@code io_uring}
   * or {@code nio}.
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
        return insist(EPOLL, Epoll.isAvailable(), Epoll::unavailabilityCause);
      case "io_uring":
        return insist(IO_URING, IoUring.isAvailable(), IoUring::unavailabilityCause);
      case "auto":
        return IoUring.isAvailable() ? IO_URING : Epoll.isAvailable() ? EPOLL : NIO;
      default:
        throw new IllegalArgumentException(
            ENV + " must be auto, epoll, io_uring or nio, got '" + setting + "'");
    }
  }

  /** {@code wanted}, or the start fails with why its native library does not load here. */
  static Transport insist(Transport wanted, boolean available, Supplier<Throwable> cause) {
    if (!available) {
      throw new IllegalArgumentException(
          ENV
              + "="
              + wanted.wireName()
              + " but the "
              + wanted.wireName()
              + " transport does not load here: "
              + cause.get());
    }
    return wanted;
  }

  /** As {@link #choose(String)} from the environment. */
  public static Transport fromEnvironment() {
    return choose(System.getenv(ENV));
  }

  public IoHandlerFactory ioHandlerFactory() {
    return ioHandlers.get();
  }

  public Class<? extends ServerChannel> serverChannel() {
    return serverChannel;
  }

  /** The client socket class that fits the event loop {@code sibling} is registered on. */
  static Class<? extends Channel> socketChannelFor(Channel sibling) {
    for (Transport t : values()) {
      if (t.socketChannel.isInstance(sibling)) {
        return t.socketChannel;
      }
    }
    return NIO.socketChannel;
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
   * TCP_NOTSENT_LOWAT}, 16 KiB (epoll and io_uring; NIO cannot set it). Without it Linux grows a
   * socket's send buffer to megabytes, a whole streamed answer fits, and the proxy ends its span
   * seconds before a slow client has read it — the wait on that client would be in no span. With
   * it, the stream waits in the proxy, where backpressure and {@code client.slow_read} see it; what
   * stays unseen is at most this much plus the client's receive window.
   */
  public static final int CLIENT_NOTSENT_LOWAT = 16 * 1024;

  /** Applies the client-facing socket options this transport supports to accepted sockets. */
  public ServerBootstrap clientFacing(ServerBootstrap bootstrap) {
    if (notSentLowat != null) {
      bootstrap.childOption(notSentLowat.get(), (long) CLIENT_NOTSENT_LOWAT);
    }
    return bootstrap;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
