package dev.infertrace.testbed.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A loopback TCP round-robin in front of several replicas: one address, each new connection to the
 * next replica (as a Kubernetes Service or an L4 load balancer does), bytes piped both ways. The
 * replicas share nothing; this stands for the Service in front of the ingress Deployment.
 */
final class RoundRobinFront implements AutoCloseable {
  private final ServerSocket server;
  private final List<InetSocketAddress> replicas;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicLongArray connections;
  private final ExecutorService pipes =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "rr-front");
            t.setDaemon(true);
            return t;
          });

  RoundRobinFront(List<InetSocketAddress> replicas) throws IOException {
    this.replicas = List.copyOf(replicas);
    this.connections = new AtomicLongArray(replicas.size());
    server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    pipes.execute(this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Connections handed to replica {@code i} so far. */
  long connections(int i) {
    return connections.get(i);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException closed) {
        return;
      }
      int i = Math.floorMod(next.getAndIncrement(), replicas.size());
      connections.incrementAndGet(i);
      pipes.execute(() -> connect(client, replicas.get(i)));
    }
  }

  private void connect(Socket client, InetSocketAddress replica) {
    Socket upstream = new Socket();
    try {
      upstream.connect(replica, 5000);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    pipes.execute(() -> pipe(client, upstream));
    pipe(upstream, client);
  }

  /** Copies until EOF, then half-closes the other side (so a "Connection: close" ends cleanly). */
  private static void pipe(Socket from, Socket to) {
    byte[] buf = new byte[16 * 1024];
    try (InputStream in = from.getInputStream()) {
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    pipes.shutdownNow();
  }
}
