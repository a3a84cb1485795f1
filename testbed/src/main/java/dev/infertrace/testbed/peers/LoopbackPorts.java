package dev.infertrace.testbed.peers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports on 127.0.0.1 for a child process to listen on (a collector, nginx, a proxy), chosen here
 * and bound there a moment later.
 *
 * <p>A port found by binding port 0 comes from the kernel's ephemeral range, the same range the
 * kernel draws from for every outgoing connection's local port and every other {@code bind(0)}: in
 * the gap before the child binds it, the port can be taken (this is how a CI run once lost a
 * collector's health port: "bind: address already in use"). So the ports handed out here lie
 * <em>below</em> the ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range} on Linux),
 * where the kernel never picks a port by itself; each was bindable when handed out, and none is
 * handed out twice in one JVM. Each JVM starts at a random point of the range, so two test JVMs on
 * one host rarely walk the same ports.
 */
public final class LoopbackPorts {
  private static final int LOWEST = 10_000;
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  private static final Set<Integer> handedOut = new HashSet<>();
  private static int first = -1;
  private static int last;
  private static int cursor;

  private LoopbackPorts() {}

  /** A port that was free on 127.0.0.1 just now and that the kernel will not hand out itself. */
  public static synchronized int next() {
    if (first < 0) {
      int[] range = range(ephemeralRange());
      first = range[0];
      last = range[1];
      cursor = first + ThreadLocalRandom.current().nextInt(last - first + 1);
    }
    int size = last - first + 1;
    for (int i = 0; i < size; i++) {
      int port = cursor;
      cursor = cursor == last ? first : cursor + 1;
      if (!handedOut.contains(port) && bindable(port)) {
        handedOut.add(port);
        return port;
      }
    }
    throw new IllegalStateException(
        "no free port on 127.0.0.1 in " + first + "-" + last + " (outside the ephemeral range)");
  }

  /**
   * The ports to hand out, given the kernel's ephemeral range: below it when there is room for a
   * thousand ports there, otherwise above it.
   */
  static int[] range(int[] ephemeral) {
    if (ephemeral[0] - 1 - LOWEST >= 1000) {
      return new int[] {LOWEST, ephemeral[0] - 1};
    }
    if (65_535 - ephemeral[1] >= 1000) {
      return new int[] {ephemeral[1] + 1, 65_535};
    }
    throw new IllegalStateException(
        "the ephemeral port range "
            + ephemeral[0]
            + "-"
            + ephemeral[1]
            + " leaves no thousand ports outside it for child processes to listen on");
  }

  /**
   * Linux's range, or its default where the file cannot be read. (Read line by line: on JDK 17
   * {@code Files.readString} returns only the first character of this sysctl file.)
   */
  private static int[] ephemeralRange() {
    try {
      String[] parts = Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+");
      return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    } catch (IOException | RuntimeException e) {
      return new int[] {32_768, 60_999};
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
