package dev.infertrace.explain.trace;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback HTTP server that answers fixed bodies by path and records what was asked (path and raw
 * query), to test a trace store's client without the store.
 */
public final class Loopback implements AutoCloseable {
  /** One canned answer. */
  public record Answer(int status, String body, long delayMillis) {
    public static Answer ok(String body) {
      return new Answer(200, body, 0);
    }
  }

  private final HttpServer server;
  private final Map<String, Answer> byPath = new ConcurrentHashMap<>();

  /** Every request's path and raw query ("?…", or "" without one), in order. */
  public final List<String> requests = new CopyOnWriteArrayList<>();

  public Loopback() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          URI u = exchange.getRequestURI();
          String query = u.getRawQuery() == null ? "" : "?" + u.getRawQuery();
          requests.add(u.getRawPath() + query);
          Answer a =
              byPath.getOrDefault(u.getRawPath(), new Answer(404, "404 page not found\n", 0));
          try {
            Thread.sleep(a.delayMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          } catch (IOException clientGone) {
            // the client timed out
          }
        });
    server.start();
  }

  public Loopback answer(String path, Answer a) {
    byPath.put(path, a);
    return this;
  }

  public URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
