package dev.infertrace.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.state.WorkerState;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The worker puts its engine's queue state and its GPU's DCGM state on its spans. */
class WorkerStateTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private static SimConfig twin() {
    return SimConfig.loopback("m")
        .withEngine(
            new EngineConfig(16, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(3, 0, 0, 0.01)))
        .withGpus(1, Duration.ofMillis(50));
  }

  private int stream(String base) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                            + "\"max_tokens\":40,\"ignore_eos\":true,\"stream\":true}"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void aThrottledGpuShowsOnTheDecodeSpanAndTheQueueOnTheServerSpan() throws Exception {
    try (TracedStack stack = new TracedStack(twin());
        ProxyRuntime worker = sidecar(stack, "stateful")) {
      stack.sim.faults().add(FaultSpec.parse("thermal-throttle:smClockMhz=990"));
      Thread.sleep(300); // a few DCGM samples with the throttle in force

      assertThat(stream(worker.baseUrl())).isEqualTo(200);

      ReceivedSpan decode =
          stack
              .sink
              .awaitSpans(
                  s -> "stateful".equals(s.serviceName()) && s.name().equals("llm.decode"),
                  1,
                  Duration.ofSeconds(10))
              .get(0);
      ReceivedSpan server =
          stack
              .sink
              .awaitSpans(
                  s -> "stateful".equals(s.serviceName()) && s.name().equals("chat m"),
                  1,
                  Duration.ofSeconds(10))
              .get(0);
      assertThat(decode.attribute("dcgm.sm_clock")).isEqualTo(990.0);
      // Throttled, and why: the clock against the GPU's maximum, the reasons by name.
      assertThat(decode.attribute("dcgm.sm_clock.limit")).isEqualTo(1980.0);
      assertThat(String.valueOf(decode.attribute("dcgm.clocks_event_reasons")))
          .contains("hw_thermal_slowdown");
      assertThat((Double) decode.attribute("dcgm.gpu_util")).isBetween(0.0, 1.0);
      assertThat((Double) decode.attribute("dcgm.sample_age")).isBetween(0.0, 0.15);
      assertThat((List<?>) decode.attribute("hw.id")).singleElement().asString().startsWith("GPU-");
      assertThat(decode.attribute("dcgm.stale")).isNull();
      // Local evidence, abnormal by itself: the sidecar gives its own verdict.
      assertThat(server.attribute("llm.verdict")).isEqualTo("gpu_throttling");
      assertThat((String) server.attribute("llm.verdict.evidence"))
          .contains("990 of 1980 MHz", "hw_thermal_slowdown");
      assertThat(server.attribute("vllm.num_requests_running")).isEqualTo(0L);
      assertThat(server.attribute("vllm.num_requests_waiting")).isEqualTo(0L);
      assertThat(server.attribute("vllm.kv_cache_usage_perc")).isNotNull();
    }
  }

  @Test
  void aDeadDcgmExporterMarksSpansStaleAndCostsNoRequest() throws Exception {
    int dead = FreePorts.next(); // nothing listens there: none hands it out again
    try (TracedStack stack = new TracedStack(twin());
        WorkerState state =
            new WorkerState(
                URI.create(stack.sim.baseUrl() + "/not-metrics"),
                Duration.ofMillis(20),
                URI.create("http://127.0.0.1:" + dead + "/metrics"),
                Duration.ofMillis(50),
                null,
                null,
                Set.of());
        ProxyRuntime worker =
            ProxyRuntime.builder(
                    ProxyConfig.loopback(Role.WORKER, List.of(URI.create(stack.sim.baseUrl()))))
                .openTelemetry(stack.sdk("blind"))
                .workerState(state)
                .start()) {
      Thread.sleep(200);

      assertThat(stream(worker.baseUrl())).isEqualTo(200);

      ReceivedSpan decode =
          stack
              .sink
              .awaitSpans(
                  s -> "blind".equals(s.serviceName()) && s.name().equals("llm.decode"),
                  1,
                  Duration.ofSeconds(10))
              .get(0);
      ReceivedSpan server =
          stack
              .sink
              .awaitSpans(
                  s -> "blind".equals(s.serviceName()) && s.name().equals("chat m"),
                  1,
                  Duration.ofSeconds(10))
              .get(0);
      assertThat(decode.attribute("dcgm.stale")).isEqualTo(true);
      assertThat(decode.attribute("dcgm.sm_clock")).isNull();
      assertThat(server.attribute("vllm.stale")).as("404 from the metrics URL").isEqualTo(true);
      assertThat(state.failures().get("http://127.0.0.1:" + dead + "/metrics"))
          .containsKey("unreachable");
      assertThat(state.failures().get(stack.sim.baseUrl() + "/not-metrics"))
          .containsKey("status_404");
    }
  }

  @Test
  void garbageAndSlowEndpointsAreCountedAndNeverDelayARequest() throws Exception {
    try (TracedStack stack = new TracedStack(twin())) {
      // /v1/models answers JSON (garbage for a scraper); under a network-delay fault the twin's
      // /metrics answers later than the 20 ms interval (slow).
      stack.sim.faults().add(FaultSpec.parse("network-delay:requestDelayMs=100,responseDelayMs=0"));
      try (WorkerState state =
              new WorkerState(
                  URI.create(stack.sim.baseUrl() + "/metrics"),
                  Duration.ofMillis(20),
                  URI.create(stack.sim.baseUrl() + "/v1/models"),
                  Duration.ofMillis(20),
                  null,
                  null,
                  Set.of());
          ProxyRuntime worker =
              ProxyRuntime.builder(
                      ProxyConfig.loopback(Role.WORKER, List.of(URI.create(stack.sim.baseUrl()))))
                  .openTelemetry(stack.sdk("noisy"))
                  .workerState(state)
                  .start()) {
        Thread.sleep(400);
        stack.sim.faults().clear();

        assertThat(stream(worker.baseUrl())).isEqualTo(200);
        assertThat(state.failures().get(stack.sim.baseUrl() + "/v1/models")).containsKey("garbage");
        assertThat(state.failures().get(stack.sim.baseUrl() + "/metrics")).containsKey("slow");
      }
    }
  }

  /** A worker with fast scrapes in front of {@code stack}'s twin, its spans under {@code name}. */
  private static ProxyRuntime sidecar(TracedStack stack, String name) throws Exception {
    WorkerState state =
        new WorkerState(
            URI.create(stack.sim.baseUrl() + "/metrics"),
            Duration.ofMillis(20),
            URI.create("http://127.0.0.1:" + stack.sim.dcgmAddress().getPort() + "/metrics"),
            Duration.ofMillis(50),
            null,
            null,
            Set.of());
    return ProxyRuntime.builder(
            ProxyConfig.loopback(Role.WORKER, List.of(URI.create(stack.sim.baseUrl()))))
        .openTelemetry(stack.sdk(name))
        .workerState(state)
        .start();
  }

  private static List<ReceivedSpan> phases(TracedStack stack, String service, String name, int n) {
    return stack.sink.awaitSpans(
        s -> service.equals(s.serviceName()) && s.name().equals(name), n, Duration.ofSeconds(15));
  }

  @Test
  void aQueueThatBuiltUpDuringTheWaitShowsOnThePhaseSpanAsItsHighest() throws Exception {
    // One sequence at a time and slow steps: of three requests sent together, two wait.
    SimConfig oneAtATime =
        SimConfig.loopback("m")
            .withEngine(
                new EngineConfig(
                    1, 2048, 16, 2048, 4096, true, 100, new StepTimeModel(3, 0, 0, 0.01)))
            .withGpus(1, Duration.ofMillis(50));
    try (TracedStack stack = new TracedStack(oneAtATime);
        ProxyRuntime worker = sidecar(stack, "queued")) {
      Thread.sleep(100);
      List<java.util.concurrent.CompletableFuture<Integer>> sent = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        sent.add(
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return stream(worker.baseUrl());
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }));
      }
      for (var f : sent) {
        assertThat(f.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);
      }

      List<ReceivedSpan> waits = phases(stack, "queued", "llm.first_token_wait", 3);
      long highest =
          waits.stream()
              .mapToLong(s -> (Long) s.attribute("vllm.num_requests_waiting"))
              .max()
              .orElseThrow();
      assertThat(highest).as("a request that waited saw the queue it waited in").isPositive();
      for (ReceivedSpan w : waits) {
        double mean = (Double) w.attribute("vllm.num_requests_waiting.mean");
        assertThat(mean).isBetween(0.0, (double) (Long) w.attribute("vllm.num_requests_waiting"));
        assertThat((Long) w.attribute("vllm.num_requests_running")).isBetween(0L, 1L);
        assertThat((Long) w.attribute("vllm.num_preemptions")).isGreaterThanOrEqualTo(0L);
        assertThat(w.attribute("vllm.kv_cache_usage_perc.mean")).isNotNull();
      }
    }
  }

  @Test
  void anXidIsOnTheRequestsAroundTheFaultNotOnTheOnesLongAfter() throws Exception {
    try (TracedStack stack = new TracedStack(twin());
        ProxyRuntime worker = sidecar(stack, "xid")) {
      // The engine stalls for 0.3 s with XID 43; the exporter keeps reporting XID 43 after it.
      stack.sim.faults().add(FaultSpec.parse("stall:durationSeconds=0.3,xid=43"));
      assertThat(stream(worker.baseUrl())).isEqualTo(200); // waits out the stall
      List<ReceivedSpan> during = phases(stack, "xid", "llm.first_token_wait", 1);

      Thread.sleep(600); // well past 3 DCGM intervals (150 ms): the XID is history now
      assertThat(stream(worker.baseUrl())).isEqualTo(200);
      List<ReceivedSpan> after = phases(stack, "xid", "llm.first_token_wait", 2);

      ReceivedSpan hit = during.get(0);
      assertThat(hit.attribute("dcgm.xid_errors")).isEqualTo(43.0);
      assertThat((Double) hit.attribute("dcgm.xid_errors.at")).isBetween(-0.2, 0.4);
      ReceivedSpan later =
          after.stream().filter(s -> s != hit && !s.equals(hit)).reduce((a, b) -> b).orElseThrow();
      assertThat(later.attribute("dcgm.xid_errors"))
          .as("a request that started after the fault is not blamed on it")
          .isNull();
      assertThat(later.attribute("dcgm.sm_clock")).as("still enriched").isNotNull();
      List<ReceivedSpan> servers = phases(stack, "xid", "chat m", 2);
      assertThat(servers)
          .extracting(s -> s.attribute("llm.verdict"))
          .containsExactlyInAnyOrder("gpu_fault", null);
    }
  }
}
