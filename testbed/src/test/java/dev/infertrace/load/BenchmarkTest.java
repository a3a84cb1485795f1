package dev.infertrace.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.sim.Sim;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class BenchmarkTest {

  @Test
  void aClosedLoopSweepTimesEveryRequestWithExactTokenCountsAndItsOwnTraceId() throws Exception {
    try (Sim sim = BenchConfigs.twin()) {
      Benchmark.Result result =
          new Benchmark(BenchConfigs.closed(sim.baseUrl(), 6, 1.0, 3.0)).run();

      assertThat(result.steps()).hasSize(2);
      for (StepSummary s : result.steps()) {
        assertThat(s.requests()).isEqualTo(6);
        assertThat(s.ok()).isEqualTo(6);
        assertThat(s.ttft().count()).isEqualTo(6);
        assertThat(s.tpot().count()).isEqualTo(6);
        assertThat(s.itl().count()).as("9 gaps between 10 token chunks").isEqualTo(54);
        assertThat(s.e2e().count()).isEqualTo(6);
        assertThat(s.ttft().p50()).isPositive().isLessThanOrEqualTo(s.e2e().p50());
        assertThat(s.requestsPerSecond()).isPositive();
        assertThat(s.outputTokensPerSecond()).isEqualTo(10 * s.requestsPerSecond(), within());
        assertThat(s.totalTokensPerSecond()).isGreaterThan(s.outputTokensPerSecond());
        assertThat(s.goodput()).isNull();
      }
      List<RequestRecord> measured =
          result.requests().stream().filter(RequestRecord::measured).toList();
      assertThat(measured).hasSize(12);
      for (RequestRecord r : measured) {
        assertThat(r.error()).isNull();
        assertThat(r.outputTokens()).isEqualTo(10);
        assertThat(r.usageReported()).isTrue();
        assertThat(r.inputTokens()).isPositive();
        assertThat(r.itlMs()).hasSize(9);
        assertThat(r.tpotMs()).isEqualTo((r.e2eMs() - r.ttftMs()) / 9, within());
        assertThat(r.traceId()).matches("[0-9a-f]{32}");
      }
      assertThat(measured.stream().map(RequestRecord::traceId).distinct()).hasSize(12);
    }
  }

  @Test
  void completionsWithoutStreamingAreTimedWholeAndCountedFromUsage() throws Exception {
    try (Sim sim = BenchConfigs.twin()) {
      Benchmark.Result result =
          new Benchmark(
                  BenchConfigs.builder(sim.baseUrl())
                      .api(BenchConfig.Api.COMPLETIONS, false)
                      .build())
              .run();

      assertThat(result.requests()).hasSize(4);
      for (RequestRecord r : result.requests()) {
        assertThat(r.error()).as("%s", r.errorDetail()).isNull();
        assertThat(r.outputTokens()).isEqualTo(10);
        assertThat(r.ttftMs()).isEqualTo(r.e2eMs());
        assertThat(r.tpotMs()).isNull();
        assertThat(r.itlMs()).isEmpty();
      }
      assertThat(result.steps().get(0).itl().count()).isZero();
    }
  }

  @Test
  void streamedCompletionsCountTextChunks() throws Exception {
    try (Sim sim = BenchConfigs.twin()) {
      Benchmark.Result result =
          new Benchmark(
                  BenchConfigs.builder(sim.baseUrl())
                      .api(BenchConfig.Api.COMPLETIONS, true)
                      .build())
              .run();

      assertThat(result.requests())
          .allSatisfy(
              r -> {
                assertThat(r.error()).isNull();
                assertThat(r.itlMs()).hasSize(9);
              });
    }
  }

  @Test
  void warmUpAndCoolDownRequestsAreRecordedButNotCounted() throws Exception {
    try (Sim sim = BenchConfigs.twin()) {
      Benchmark.Result result =
          new Benchmark(
                  BenchConfigs.builder(sim.baseUrl())
                      .window(
                          Duration.ofMillis(400), Duration.ofMillis(600), 0, Duration.ofMillis(400))
                      .build())
              .run();

      StepSummary s = result.steps().get(0);
      assertThat(result.requests()).extracting(RequestRecord::phase).contains("warmup", "cooldown");
      List<RequestRecord> measured =
          result.requests().stream().filter(RequestRecord::measured).toList();
      assertThat(s.requests()).isEqualTo(measured.size()).isPositive();
      double windowEnd = s.windowStartMs() + s.windowSeconds() * 1000;
      assertThat(measured)
          .allSatisfy(r -> assertThat(r.startMs()).isBetween(s.windowStartMs(), windowEnd));
      assertThat(result.requests().stream().filter(r -> !r.measured()))
          .allSatisfy(
              r ->
                  assertThat(r.startMs() < s.windowStartMs() || r.startMs() >= windowEnd).isTrue());
      assertThat(s.concurrency()).as("2 users kept busy").isBetween(1.0, 2.0 + 1e-9);
    }
  }

  @Test
  void aFixedRateSendsOnItsScheduleAndPoissonArrivalsFollowTheSeed() throws Exception {
    try (Sim sim = BenchConfigs.twin()) {
      BenchConfigs.Builder b =
          BenchConfigs.builder(sim.baseUrl())
              .window(Duration.ZERO, Duration.ofSeconds(1), 0, Duration.ZERO);
      Benchmark.Result fixed =
          new Benchmark(b.load(BenchConfig.Shape.RATE, List.of(40.0), false).build()).run();
      Benchmark.Result poisson =
          new Benchmark(b.load(BenchConfig.Shape.POISSON, List.of(40.0), false).build()).run();

      // slots at 0, 25, ..., 975 ms: at most 40, fewer only if the sender ran late past the end
      assertThat(fixed.steps().get(0).requests()).isBetween(30L, 40L);
      assertThat(fixed.steps().get(0).failed()).isZero();
      SplittableRandom random = new SplittableRandom(7 * 7919);
      int scheduled = 0;
      for (double t = 0; t < 1; t += -Math.log(1 - random.nextDouble()) / 40) {
        scheduled++;
      }
      assertThat(poisson.steps().get(0).requests()).isBetween(scheduled - 10L, (long) scheduled);
      assertThat(poisson.steps().get(0).shape()).isEqualTo("poisson");
    }
  }

  @Test
  void goodputCountsTheRequestsThatMetTheSlo() throws Exception {
    try (Sim sim = BenchConfigs.twin()) {
      StepSummary loose =
          new Benchmark(
                  BenchConfigs.builder(sim.baseUrl()).slo(Slo.parse("ttft=60s,tpot=60s")).build())
              .run()
              .steps()
              .get(0);
      StepSummary tight =
          new Benchmark(BenchConfigs.builder(sim.baseUrl()).slo(Slo.parse("tpot=0.001ms")).build())
              .run()
              .steps()
              .get(0);

      assertThat(loose.goodputRatio()).isEqualTo(1.0);
      assertThat(loose.goodput()).isEqualTo(loose.requestsPerSecond(), within());
      assertThat(tight.goodputRatio()).isEqualTo(0.0);
      assertThat(tight.goodput()).isZero();
    }
  }

  @Test
  void aDatasetSetsPromptsAndOutputLengths() throws Exception {
    try (Sim sim = BenchConfigs.twin()) {
      Benchmark.Result result =
          new Benchmark(
                  BenchConfigs.builder(sim.baseUrl())
                      .prompts(
                          Lengths.fixed(3),
                          List.of(
                              new Dataset.Entry("why is the sky blue", 5),
                              new Dataset.Entry("tell me about kv cache", 0)))
                      .build())
              .run();

      assertThat(result.requests().stream().map(RequestRecord::outputTokens).sorted().toList())
          .containsExactly(3, 3, 5, 5);
    }
  }

  @Test
  void theSweepStopsWhenMoreLoadNoLongerBuysThroughput() throws Exception {
    // one request at a time (the fake server is single-threaded), so concurrency adds nothing
    CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
    HttpServer server = fakeOpenAi(seen, "{\"choices\":[{\"text\":\"a b\"}]}", 100);
    try {
      Benchmark.Result result =
          new Benchmark(
                  BenchConfigs.builder("http://127.0.0.1:" + server.getAddress().getPort())
                      .api(BenchConfig.Api.COMPLETIONS, false)
                      .window(Duration.ZERO, Duration.ofSeconds(1), 0, Duration.ZERO)
                      .load(BenchConfig.Shape.CONCURRENCY, List.of(1.0, 2.0, 4.0, 8.0), true)
                      .build())
              .run();

      assertThat(result.steps())
          .as("%s", result.steps().stream().map(StepSummary::requestsPerSecond).toList())
          .hasSizeBetween(2, 3);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void theApiKeyIsSentAsBearerAndWrittenNowhere() throws Exception {
    CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
    HttpServer server = fakeOpenAi(seen, "{\"choices\":[{\"text\":\"a b\"}]}");
    try {
      Benchmark.Result result =
          new Benchmark(
                  BenchConfigs.builder("http://127.0.0.1:" + server.getAddress().getPort())
                      .api(BenchConfig.Api.COMPLETIONS, false)
                      .model("m", "sk-secret-123")
                      .build())
              .run();

      assertThat(seen).contains("Bearer sk-secret-123");
      assertThat(result.requests()).allSatisfy(r -> assertThat(r.error()).isNull());
      ByteArrayOutputStream json = new ByteArrayOutputStream();
      JsonReport.write(JsonReport.tree(result, null), json);
      StringWriter csv = new StringWriter();
      CsvReport.requests(result, csv);
      CsvReport.steps(result, csv);
      String all =
          json.toString(StandardCharsets.UTF_8)
              + csv
              + HtmlReport.render(JsonReport.tree(result, null))
              + result.config();
      assertThat(all).doesNotContain("sk-secret").contains("set (not recorded)");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anEndpointThatIsNotOpenAiIsNamedAsSuch() throws Exception {
    HttpServer server = fakeOpenAi(new CopyOnWriteArrayList<>(), "<html>hello</html>");
    try {
      Benchmark.Result result =
          new Benchmark(
                  BenchConfigs.builder("http://127.0.0.1:" + server.getAddress().getPort()).build())
              .run();
      StringWriter err = new StringWriter();

      assertThat(result.steps().get(0).errors()).containsEntry("not_openai", 4L);
      assertThat(LoadCommand.exitStatus(result, new PrintWriter(err, true))).isEqualTo(1);
      assertThat(err.toString()).contains("is this an OpenAI-compatible endpoint?");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anUnreachableEndpointFailsEveryRequestAsConnectAndSaysSo() throws Exception {
    int closed = FreePorts.next();
    Benchmark.Result result =
        new Benchmark(BenchConfigs.builder("http://127.0.0.1:" + closed).build()).run();
    StringWriter err = new StringWriter();

    assertThat(result.steps().get(0).errors()).containsEntry("connect", 4L);
    assertThat(LoadCommand.exitStatus(result, new PrintWriter(err, true))).isEqualTo(1);
    assertThat(err.toString()).contains("cannot connect to http://127.0.0.1:" + closed);
  }

  @Test
  void httpErrorsAreCountedByStatus() throws Exception {
    try (Sim sim = BenchConfigs.twin()) {
      Benchmark.Result result =
          new Benchmark(BenchConfigs.builder(sim.baseUrl()).model("not-served", null).build())
              .run();

      assertThat(result.steps().get(0).errors()).isEqualTo(java.util.Map.of("http_404", 4L));
      assertThat(result.requests().get(0).errorDetail()).contains("not-served");
    }
  }

  @Test
  void timesCountFromTheRequestsWriteNotFromItsWaitInsideTheClient() throws Exception {
    // Tried: a client that holds every request 300 ms before it starts writing it (as a busy
    // selector thread or a connection set-up would). TTFT and E2E are the server's 5 ms answer
    // plus loopback, not the 300 ms wait; counted from the hand-over they were over 300 ms.
    HttpServer server =
        fakeOpenAi(new CopyOnWriteArrayList<>(), "{\"choices\":[{\"text\":\"a b\"}]}", 5);
    java.util.concurrent.ScheduledExecutorService later =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    java.net.http.HttpClient real = java.net.http.HttpClient.newHttpClient();
    try {
      BenchConfig config =
          BenchConfigs.builder("http://127.0.0.1:" + server.getAddress().getPort())
              .api(BenchConfig.Api.COMPLETIONS, false)
              .build();
      java.net.http.HttpClient held = new HeldClient(real, later, 300);
      RequestRecord r =
          OpenAiCall.send(
                  held,
                  config,
                  "{}".getBytes(StandardCharsets.UTF_8),
                  0,
                  System.nanoTime(),
                  0,
                  1,
                  "measured")
              .get(10, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(r.error()).as("%s", r.errorDetail()).isNull();
      assertThat(r.ttftMs()).isGreaterThanOrEqualTo(5).isLessThan(200);
      assertThat(r.e2eMs()).isLessThan(200);
    } finally {
      later.shutdownNow();
      server.stop(0);
    }
  }

  /** A JDK client that holds each request {@code millis} before handing it to the real one. */
  private static final class HeldClient extends java.net.http.HttpClient {
    private final java.net.http.HttpClient real;
    private final java.util.concurrent.ScheduledExecutorService later;
    private final long millis;

    HeldClient(
        java.net.http.HttpClient real,
        java.util.concurrent.ScheduledExecutorService later,
        long millis) {
      this.real = real;
      this.later = later;
      this.millis = millis;
    }

    @Override
    public <T> java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<T>> sendAsync(
        java.net.http.HttpRequest request, java.net.http.HttpResponse.BodyHandler<T> handler) {
      java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<T>> f =
          new java.util.concurrent.CompletableFuture<>();
      later.schedule(
          () ->
              real.sendAsync(request, handler)
                  .whenComplete(
                      (r, e) -> {
                        if (e != null) {
                          f.completeExceptionally(e);
                        } else {
                          f.complete(r);
                        }
                      }),
          millis,
          java.util.concurrent.TimeUnit.MILLISECONDS);
      return f;
    }

    @Override
    public <T> java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<T>> sendAsync(
        java.net.http.HttpRequest request,
        java.net.http.HttpResponse.BodyHandler<T> handler,
        java.net.http.HttpResponse.PushPromiseHandler<T> push) {
      return sendAsync(request, handler);
    }

    @Override
    public <T> java.net.http.HttpResponse<T> send(
        java.net.http.HttpRequest request, java.net.http.HttpResponse.BodyHandler<T> handler) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.Optional<java.net.CookieHandler> cookieHandler() {
      return real.cookieHandler();
    }

    @Override
    public java.util.Optional<Duration> connectTimeout() {
      return real.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
      return real.followRedirects();
    }

    @Override
    public java.util.Optional<java.net.ProxySelector> proxy() {
      return real.proxy();
    }

    @Override
    public javax.net.ssl.SSLContext sslContext() {
      return real.sslContext();
    }

    @Override
    public javax.net.ssl.SSLParameters sslParameters() {
      return real.sslParameters();
    }

    @Override
    public java.util.Optional<java.net.Authenticator> authenticator() {
      return real.authenticator();
    }

    @Override
    public Version version() {
      return real.version();
    }

    @Override
    public java.util.Optional<java.util.concurrent.Executor> executor() {
      return real.executor();
    }
  }

  private static HttpServer fakeOpenAi(List<String> authorizations, String body) throws Exception {
    return fakeOpenAi(authorizations, body, 5);
  }

  /** A single-threaded server: one request at a time, each taking {@code millis}. */
  private static HttpServer fakeOpenAi(List<String> authorizations, String body, int millis)
      throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          authorizations.add(
              String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          try {
            Thread.sleep(millis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, b.length);
          exchange.getResponseBody().write(b);
          exchange.close();
        });
    server.start();
    return server;
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-6);
  }
}
