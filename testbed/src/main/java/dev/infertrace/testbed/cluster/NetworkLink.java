package dev.infertrace.testbed.cluster;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The network between the gateway and one worker pod, on loopback: a TCP relay in front of the
 * worker's sidecar whose one-way delay towards the worker can be raised and lowered at run time.
 * Every chunk of bytes bound for the worker is held for the delay before it is written on, in
 * order, as a congested or distant link would hold it; the way back is not delayed. Only the
 * inference traffic is held (connections whose first bytes are a {@code POST}): the EPP's metric
 * scrapes ({@code GET}) pass at once, as they would from an EPP on a node with a good path to the
 * worker — a slow scrape would also make the EPP stop picking the worker, and the delay would have
 * no victims.
 *
 * <p>One blocking thread per direction and connection: a test fixture for tens of connections, not
 * a proxy.
 */
public final class NetworkLink implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile long delayNanos;
  private volatile boolean closed;

  private NetworkLink(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
  }

  /** A link on an ephemeral loopback port to {@code target}, with no delay. */
  public static NetworkLink start(InetSocketAddress target) throws IOException {
    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    NetworkLink link = new NetworkLink(server, target);
    Thread accept = new Thread(link::accept, "network-link-" + server.getLocalPort());
    accept.setDaemon(true);
    accept.start();
    return link;
  }

  /** The port to connect to instead of the target's. */
  public int port() {
    return server.getLocalPort();
  }

  /** From now on, each chunk towards the worker is held this long ({@link Duration#ZERO}: none). */
  public void delay(Duration delay) {
    delayNanos = delay.toNanos();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Socket upstream = new Socket();
      try {
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        upstream.connect(target, 2000);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      open.add(client);
      open.add(upstream);
      AtomicInteger directions = new AtomicInteger(2);
      Runnable done =
          () -> {
            if (directions.decrementAndGet() == 0) {
              closeQuietly(client);
              closeQuietly(upstream);
              open.remove(client);
              open.remove(upstream);
            }
          };
      pump(client, upstream, true, done);
      pump(upstream, client, false, done);
    }
  }

  private void pump(Socket from, Socket to, boolean towardsWorker, Runnable done) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                Boolean inference = null;
                while ((n = in.read(buf)) >= 0) {
                  if (inference == null) {
                    inference =
                        towardsWorker && n >= 5 && new String(buf, 0, 5, US_ASCII).equals("POST ");
                  }
                  long hold = inference ? delayNanos : 0;
                  if (hold > 0) {
                    Thread.sleep(hold / 1_000_000, (int) (hold % 1_000_000));
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
                to.shutdownOutput();
              } catch (IOException e) {
                // either side went away: so does the other
                closeQuietly(from);
                closeQuietly(to);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                done.run();
              }
            },
            "network-link-" + port() + (towardsWorker ? "-up" : "-down"));
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }
}
