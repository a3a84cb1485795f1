package dev.infertrace.testbed.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
  @Test
  void portsLieOutsideTheKernelsEphemeralRange() {
    assertThat(LoopbackPorts.range(new int[] {32768, 60999})).containsExactly(10_000, 32_767);
    // A range that starts low leaves room only above it.
    assertThat(LoopbackPorts.range(new int[] {1024, 60999})).containsExactly(61_000, 65_535);
    assertThatThrownBy(() -> LoopbackPorts.range(new int[] {1024, 65000}))
        .hasMessageContaining("1024-65000");
  }

  @Test
  void handsOutDistinctBindablePortsThatTheKernelWouldNotPickForBindZero() throws Exception {
    int[] ephemeral = {32768, 60999};
    Path file = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    if (Files.isReadable(file)) {
      String[] parts = Files.readAllLines(file).get(0).trim().split("\\s+");
      ephemeral = new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      int port = LoopbackPorts.next();
      assertThat(port >= ephemeral[0] && port <= ephemeral[1])
          .as("%d in the ephemeral range", port)
          .isFalse();
      assertThat(port).isGreaterThanOrEqualTo(1024);
      assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      }
    }
  }

  @Test
  void skipsAPortSomeoneElseListensOn() throws Exception {
    int port = LoopbackPorts.next();
    // The walk goes on at port + 1 (unless it wrapped): taken by someone else, it is skipped.
    int taken = port + 1;
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken));
      int next = LoopbackPorts.next();
      assertThat(next).isNotEqualTo(taken).isNotEqualTo(port);
    }
  }
}
