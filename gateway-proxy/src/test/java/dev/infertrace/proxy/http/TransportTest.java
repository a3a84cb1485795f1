package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.Test;

class TransportTest {
  @Test
  void autoIsEpollOnLinuxWhereTheShippedLibraryLoads() {
    // This project's machines are Linux x86_64: the native library in lib/ must load here, or
    // the proxy silently runs on the slower NIO transport.
    assertThat(Epoll.isAvailable()).as("epoll: %s", Epoll.unavailabilityCause()).isTrue();
    assertThat(Transport.choose(null)).isEqualTo(Transport.EPOLL);
    assertThat(Transport.choose(" AUTO ")).isEqualTo(Transport.EPOLL);
    assertThat(Transport.choose("epoll").serverChannel()).isEqualTo(EpollServerSocketChannel.class);
  }

  @Test
  void nioCanBeForcedAndAnUnknownValueIsNamed() {
    assertThat(Transport.choose("nio").serverChannel()).isEqualTo(NioServerSocketChannel.class);
    assertThatThrownBy(() -> Transport.choose("io_uring"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("INFERTRACE_TRANSPORT must be auto, epoll or nio, got 'io_uring'");
  }
}
