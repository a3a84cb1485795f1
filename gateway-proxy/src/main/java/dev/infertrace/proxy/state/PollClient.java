package dev.infertrace.proxy.state;

import java.net.http.HttpClient;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The process's one HTTP client for what it reads on a timer, off the request path: Prometheus
 * pages ({@link Scraper}: vLLM's and DCGM's for the worker, each endpoint's two for the EPP) and
 * OpenAI model lists ({@link ServedModels}). HTTP/1.1 (no {@code h2c} upgrade offered to a metrics
 * endpoint), one selector thread and one thread that completes responses and hands the pages on,
 * however many targets there are. A client per target had a selector thread and up to three workers
 * of its own: a worker sidecar at 1000 streams ran 34 threads with them and 25 with this one
 * (BENCHMARKS.md), and the EPP had a client for each endpoint's two pages. Each request carries its
 * own timeout, connection set-up included.
 */
public final class PollClient {
  private PollClient() {}

  /** The shared client, made on first use. */
  public static HttpClient get() {
    return Holder.CLIENT;
  }

  private static final class Holder {
    static final HttpClient CLIENT =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor()).build();

    private static ExecutorService executor() {
      return Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "infertrace-poll");
            t.setDaemon(true);
            return t;
          });
    }
  }
}
