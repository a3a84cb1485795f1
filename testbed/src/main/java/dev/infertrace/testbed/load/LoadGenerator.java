package dev.infertrace.testbed.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Drives a {@link LoadConfig} against a server and reports as it goes. A connection that fails is
 * replaced while the run lasts, so a flaky server costs requests, not concurrency.
 */
public final class LoadGenerator {
  private final LoadConfig config;
  private final int threads;
  private final LoadStats stats = new LoadStats();
  private final AtomicLong budget;
  private final AtomicLong open = new AtomicLong();
  private volatile long deadlineNanos;
  private volatile boolean stopped;

  public LoadGenerator(LoadConfig config, int threads) {
    this.config = config;
    this.threads = threads;
    this.budget = new AtomicLong(config.requests() > 0 ? config.requests() : Long.MAX_VALUE);
  }

  private volatile double ratePerSecond;
  private final AtomicLong nextSlot = new AtomicLong();
  private volatile long periodNanos;

  /**
   * Open loop: requests are started at {@code perSecond} in total, on a fixed schedule shared by
   * the connections (which must be enough to carry it), and latencies count from the scheduled
   * time. Call before {@link #run}.
   */
  public LoadGenerator withRate(double perSecond) {
    this.ratePerSecond = perSecond;
    return this;
  }

  @javax.annotation.Nullable
  private java.util.function.LongSupplier pacer() {
    if (ratePerSecond <= 0) {
      return null;
    }
    return () -> nextSlot.getAndAdd(periodNanos);
  }

  public LoadStats stats() {
    return stats;
  }

  /** Stops starting new requests; those in flight finish. */
  public void stop() {
    stopped = true;
  }

  /**
   * Runs the load to its end, calling {@code progress} about once a second with the elapsed time.
   */
  public LoadStats run(Consumer<Duration> progress) throws InterruptedException {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            threads, new DefaultThreadFactory("load", true), NioIoHandler.newFactory());
    long start = System.nanoTime();
    if (ratePerSecond > 0) {
      periodNanos = (long) (1e9 / ratePerSecond);
      nextSlot.set(start);
    }
    deadlineNanos =
        config.duration().isZero() ? Long.MAX_VALUE : start + config.duration().toNanos();
    String host = config.url().getHost();
    int port = config.url().getPort() > 0 ? config.url().getPort() : 80;
    String path = stripSlash(config.url().getRawPath()) + "/v1/chat/completions";
    try {
      Bootstrap bootstrap =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
      // Each of the `concurrency` streams is one connection at a time, replaced when it closes
      // while the run lasts; the run ends when every stream has ended.
      open.set(config.concurrency());
      for (int i = 0; i < config.concurrency(); i++) {
        connect(bootstrap, host, port, path, i);
      }
      long nextReport = start + 1_000_000_000L;
      while (!finished()) {
        long now = System.nanoTime();
        if (now >= nextReport) {
          progress.accept(Duration.ofNanos(now - start));
          nextReport += 1_000_000_000L;
        }
        Thread.sleep(50);
      }
      progress.accept(Duration.ofNanos(System.nanoTime() - start));
      return stats;
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private void connect(Bootstrap bootstrap, String host, int port, String path, long streamId) {
    RequestBodies bodies = new RequestBodies(config, streamId);
    ChannelFuture f =
        bootstrap
            .clone()
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast("codec", new HttpClientCodec())
                        .addLast(
                            "load",
                            new LoadConnection(
                                host + ":" + port, path, bodies, stats, this::mayStart, pacer()));
                  }

                  private boolean mayStart() {
                    return LoadGenerator.this.mayStart();
                  }
                })
            .connect(host, port);
    f.addListener(
        done -> {
          if (!done.isSuccess()) {
            stats.recordFailure(
                "connect to " + host + ":" + port + ": " + done.cause().getMessage());
          }
          Channel ch = f.channel();
          ch.closeFuture()
              .addListener(
                  closed -> {
                    if (mayStartSoon()) {
                      ch.eventLoop()
                          .schedule(
                              () -> connect(bootstrap, host, port, path, streamId),
                              100,
                              TimeUnit.MILLISECONDS);
                    } else {
                      open.decrementAndGet();
                    }
                  });
        });
  }

  private boolean mayStart() {
    if (!mayStartSoon()) {
      return false;
    }
    return budget.getAndDecrement() > 0;
  }

  private boolean mayStartSoon() {
    return !stopped && System.nanoTime() < deadlineNanos && budget.get() > 0;
  }

  private boolean finished() {
    return open.get() == 0;
  }

  private static String stripSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
