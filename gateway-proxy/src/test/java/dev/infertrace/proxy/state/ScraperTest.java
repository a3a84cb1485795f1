package dev.infertrace.proxy.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A metrics page over the limit is not read: the scrape fails as {@code too_large}. */
class ScraperTest {
  private static final byte[] LINE =
      "vllm:num_requests_waiting{model_name=\"m\"} 1\n".getBytes(StandardCharsets.UTF_8);

  @Test
  void aHugePageIsAbandonedAndCountedWithOrWithoutALength() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    // 64 MB announced, and an endless chunked page: neither may be held in memory.
    server.createContext("/declared", x -> page(x, 64L << 20));
    server.createContext("/chunked", x -> page(x, 0));
    server.createContext("/small", x -> page(x, LINE.length));
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    AtomicInteger pages = new AtomicInteger();
    try (Scraper declared =
            new Scraper(
                URI.create(base + "/declared"),
                Duration.ofMillis(200),
                1 << 20,
                timer,
                (t, p) -> pages.incrementAndGet());
        Scraper chunked =
            new Scraper(
                URI.create(base + "/chunked"),
                Duration.ofMillis(200),
                1 << 20,
                timer,
                (t, p) -> pages.incrementAndGet());
        Scraper small =
            new Scraper(
                URI.create(base + "/small"),
                Duration.ofMillis(200),
                1 << 20,
                timer,
                (t, p) -> pages.incrementAndGet())) {
      long deadline = System.nanoTime() + 20_000_000_000L;
      while ((declared.failures().getOrDefault("too_large", 0L) == 0
              || chunked.failures().getOrDefault("too_large", 0L) == 0
              || pages.get() == 0)
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(declared.failures()).containsKey("too_large");
      assertThat(chunked.failures()).containsKey("too_large");
      assertThat(small.failures()).doesNotContainKey("too_large");
      assertThat(pages.get()).as("only the small page was read").isPositive();
    } finally {
      timer.shutdownNow();
      server.stop(0);
    }
  }

  /**
   * An EPP scrapes two pages of every endpoint: sixteen scrapers every 50 ms read their pages
   * through the process's one client, not a client (a selector thread and workers) each.
   */
  @Test
  void manyScrapersShareOneClientsThreads() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/small", x -> page(x, LINE.length));
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    long selectorsBefore = selectors();
    List<Scraper> scrapers = new ArrayList<>();
    List<AtomicInteger> pages = new ArrayList<>();
    try {
      for (int i = 0; i < 16; i++) {
        AtomicInteger n = new AtomicInteger();
        pages.add(n);
        scrapers.add(
            new Scraper(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/small"),
                Duration.ofMillis(50),
                1 << 20,
                timer,
                (t, p) -> n.incrementAndGet()));
      }
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (pages.stream().anyMatch(n -> n.get() < 3) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(pages).allSatisfy(n -> assertThat(n.get()).isGreaterThanOrEqualTo(3));
      // a JDK client has one selector thread: the shared one's, if this made it
      assertThat(selectors() - selectorsBefore).as("JDK clients made").isLessThanOrEqualTo(1);
      assertThat(
              Thread.getAllStackTraces().keySet().stream()
                  .filter(t -> t.getName().startsWith("infertrace-poll"))
                  .count())
          .as("the shared client's completion threads")
          .isBetween(1L, (long) Runtime.getRuntime().availableProcessors());
    } finally {
      scrapers.forEach(Scraper::close);
      timer.shutdownNow();
      server.stop(0);
    }
  }

  private static long selectors() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().matches("HttpClient-\\d+-SelectorManager"))
        .count();
  }

  /** A page of {@code length} bytes; 0: chunked and endless until the client goes away. */
  private static void page(com.sun.net.httpserver.HttpExchange x, long length) {
    try (x) {
      x.sendResponseHeaders(200, length);
      OutputStream out = x.getResponseBody();
      for (long sent = 0; length == 0 || sent < length; sent += LINE.length) {
        out.write(LINE, 0, (int) Math.min(LINE.length, length == 0 ? LINE.length : length - sent));
      }
    } catch (java.io.IOException e) {
      // the scraper gave up on the page: what this test wants
    }
  }
}
