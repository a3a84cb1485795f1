package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransportTest {
  @Test
  void autoIsIoUringOnLinuxWhereTheKernelAllowsIt() {
    // This project's machines run Linux x86_64 with io_uring enabled (kernel.io_uring_disabled=0):
    // both native libraries in lib/ must load here, or the proxy silently runs on a slower
    // transport. Where a seccomp profile blocks io_uring, auto is epoll and io_uring fails at
    // start.
    assertThat(IoUring.isAvailable()).as("io_uring: %s", IoUring.unavailabilityCause()).isTrue();
    assertThat(Epoll.isAvailable()).as("epoll: %s", Epoll.unavailabilityCause()).isTrue();
    assertThat(Transport.choose(null)).isEqualTo(Transport.IO_URING);
    assertThat(Transport.choose(" AUTO ")).isEqualTo(Transport.IO_URING);
    assertThat(Transport.choose("io_uring").serverChannel())
        .isEqualTo(IoUringServerSocketChannel.class);
    assertThat(Transport.choose("IO_URING").wireName()).isEqualTo("io_uring");
    assertThat(Transport.choose("epoll").serverChannel()).isEqualTo(EpollServerSocketChannel.class);
  }

  @Test
  void aTransportInsistedOnThatDoesNotLoadFailsTheStartWithItsCause() {
    // What a seccomp profile that blocks io_uring_setup makes of INFERTRACE_TRANSPORT=io_uring.
    assertThatThrownBy(
            () ->
                Transport.insist(
                    Transport.IO_URING,
                    false,
                    () ->
                        new UnsupportedOperationException(
                            "io_uring_setup: Operation not permitted")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "INFERTRACE_TRANSPORT=io_uring but the io_uring transport does not load here: "
                + "java.lang.UnsupportedOperationException: io_uring_setup: Operation not permitted");
    assertThat(Transport.insist(Transport.EPOLL, true, () -> null)).isEqualTo(Transport.EPOLL);
  }

  @Test
  void eachTransportOpensItsOwnSocketsAndBoundsUnsentBytesWhereItCan() {
    // The upstream leg's socket class follows its client's; NIO cannot set TCP_NOTSENT_LOWAT.
    for (Channel ch :
        List.of(new IoUringSocketChannel(), new EpollSocketChannel(), new NioSocketChannel())) {
      try {
        assertThat(Transport.socketChannelFor(ch)).isEqualTo(ch.getClass());
      } finally {
        ch.unsafe().closeForcibly();
      }
    }
    assertThat(Transport.IO_URING.clientFacing(new ServerBootstrap()).config().childOptions())
        .containsEntry(IoUringChannelOption.TCP_NOTSENT_LOWAT, 16L * 1024);
    assertThat(Transport.EPOLL.clientFacing(new ServerBootstrap()).config().childOptions())
        .containsEntry(EpollChannelOption.TCP_NOTSENT_LOWAT, 16L * 1024);
    assertThat(Transport.NIO.clientFacing(new ServerBootstrap()).config().childOptions()).isEmpty();
  }

  @Test
  void nioCanBeForcedAndAnUnknownValueIsNamed() {
    assertThat(Transport.choose("nio").serverChannel()).isEqualTo(NioServerSocketChannel.class);
    assertThatThrownBy(() -> Transport.choose("uring"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("INFERTRACE_TRANSPORT must be auto, epoll, io_uring or nio, got 'uring'");
  }
}
