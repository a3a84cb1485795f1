package dev.infertrace.testbed.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Free TCP ports on 127.0.0.1, never the same one twice in this JVM. */
public final class FreePorts {
  private static final Set<Integer> handedOut = new HashSet<>();

  private FreePorts() {}

  /** A port that was free on 127.0.0.1 a moment ago. */
  public static synchronized int next() {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = socket.getLocalPort();
        if (handedOut.add(port)) {
          return port;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind an ephemeral port on 127.0.0.1", e);
      }
    }
    throw new IllegalStateException("no new free port on 127.0.0.1 after 100 attempts");
  }
}
