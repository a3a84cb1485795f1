package dev.infertrace.proxy.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream on a loopback socket that answers each request on a connection with a script: the
 * bytes it is given, or nothing (hang), or half an answer and a close, and optionally bytes sent
 * unasked on the idle connection after its first answer. Records what it read.
 */
final class RawUpstream implements AutoCloseable {
  /**
   * What to do with a request; {@code null} answer: read it and hang. {@code unasked}, when not
   * null, is written 100 ms after the first answer of the first connection, which stays open.
   */
  record Script(String answer, boolean closeAfter, String unasked) {
    Script(String answer, boolean closeAfter) {
      this(answer, closeAfter, null);
    }
  }

  private final ServerSocket server;
  private final Script script;
  final AtomicInteger connections = new AtomicInteger();
  final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
  final BlockingQueue<String> closedConnections = new LinkedBlockingQueue<>();
  final java.util.concurrent.CountDownLatch unaskedWritten =
      new java.util.concurrent.CountDownLatch(1);

  RawUpstream(Script script) throws IOException {
    this.script = script;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "raw-upstream");
    t.setDaemon(true);
    t.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        boolean first = connections.incrementAndGet() == 1;
        Thread t = new Thread(() -> serve(s, first), "raw-upstream-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s, boolean firstConnection) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      boolean unaskedDue = firstConnection && script.unasked() != null;
      while (true) {
        String request = readRequest(in);
        if (request == null) {
          closedConnections.add("eof");
          return;
        }
        requests.add(request);
        if (script.answer() == null) {
          continue; // hang: read on, never answer
        }
        out.write(script.answer().getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (script.closeAfter()) {
          return;
        }
        if (unaskedDue) {
          unaskedDue = false;
          Thread.sleep(100);
          out.write(script.unasked().getBytes(StandardCharsets.UTF_8));
          out.flush();
          unaskedWritten.countDown();
        }
      }
    } catch (IOException e) {
      closedConnections.add("error");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One request with a Content-Length body (or none), or null at EOF. */
  private static String readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      head.write(b);
      String h = head.toString(StandardCharsets.ISO_8859_1);
      if (h.endsWith("\r\n\r\n")) {
        int length = 0;
        for (String line : h.split("\r\n")) {
          if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).strip());
          }
        }
        byte[] body = in.readNBytes(length);
        return h + new String(body, StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
