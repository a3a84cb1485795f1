package dev.infertrace.proxy.state;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.http.HttpClient;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The process's one HTTP client for what it reads on a timer, off the request path: Prometheus
 * pages ({@link Scraper}: vLLM's and DCGM's for the worker, each endpoint's two for the EPP) and
 * OpenAI model lists ({@link ServedModels}). HTTP/1.1 (no {@code h2c} upgrade offered to a metrics
 * endpoint); one selector thread, and completion threads that hand the pages on to be parsed, as
 * many as the CPUs at most, made as pages arrive and gone after a minute idle: an EPP scraping many
 * endpoints every 50 ms parses on all its CPUs, a sidecar with two scrapes keeps one or two. Each
 * request carries its own timeout, connection set-up included.
 *
 * <p>A client per target had a selector thread and up to three workers of its own: a worker sidecar
 * ran 36-37 threads at most in a bench run with them, 27-28 with one client (BENCHMARKS.md), and
 * the EPP had a client for each endpoint's two pages.
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
      int threads = Runtime.getRuntime().availableProcessors();
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              threads,
              threads,
              1,
              TimeUnit.MINUTES,
              new LinkedBlockingQueue<>(),
              new DefaultThreadFactory("infertrace-poll", true));
      pool.allowCoreThreadTimeOut(true);
      return pool;
    }
  }
}
