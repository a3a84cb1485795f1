package dev.infertrace.testbed.epp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.epp.EppInterposer;
import dev.infertrace.testbed.e2e.ExtProcClient;
import dev.infertrace.testbed.e2e.TracedStack;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference EPP routes away from a queued twin, says why in its scores, and can misroute. */
class RefEppTest {
  @TempDir Path tmp;

  private static ProcessingResponse ask(int port) throws Exception {
    return ExtProcClient.route(
        port,
        java.util.Map.of(":path", "/v1/chat/completions"),
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
  }

  private static String destination(ProcessingResponse r) {
    return r.getRequestHeaders()
        .getResponse()
        .getHeaderMutation()
        .getSetHeaders(0)
        .getHeader()
        .getRawValue()
        .toStringUtf8();
  }

  @Test
  void routesAwayFromTheQueuedTwinAndTheRouteSpanShowsTheScores() throws Exception {
    try (TracedStack stack = new TracedStack(SimConfig.loopback("m"));
        Sim busy = Sim.start(SimConfig.loopback("m"))) {
      Path file =
          Files.writeString(
              tmp.resolve("endpoints.yaml"),
              "endpoints:\n"
                  + "  - {name: busy, address: 127.0.0.1, port: \""
                  + busy.apiAddress().getPort()
                  + "\"}\n"
                  + "  - {name: idle, address: 127.0.0.1, port: \""
                  + stack.sim.apiAddress().getPort()
                  + "\"}\n");
      // The busy twin is stalled with three requests queued behind the stall.
      busy.faults().add(FaultSpec.parse("stall:durationSeconds=5"));
      HttpClient http = HttpClient.newHttpClient();
      for (int i = 0; i < 3; i++) {
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(busy.baseUrl() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"x\",\"max_tokens\":2}"))
                .build(),
            HttpResponse.BodyHandlers.discarding());
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (busy.engine().waiting() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      try (RefEpp epp =
              RefEpp.start(
                  new InetSocketAddress("127.0.0.1", 0),
                  Endpoint.read(file),
                  new Scorer(1, 1, 0),
                  false);
          RefEpp misrouting =
              RefEpp.start(
                  new InetSocketAddress("127.0.0.1", 0),
                  Endpoint.read(file),
                  new Scorer(1, 1, 0),
                  true);
          EppInterposer interposer =
              EppInterposer.start(
                  new InetSocketAddress("127.0.0.1", 0),
                  new InetSocketAddress("127.0.0.1", epp.port()),
                  stack.sdk("infertrace-epp"))) {
        Thread.sleep(300); // a few scrapes

        ProcessingResponse routed = ask(interposer.port());
        ProcessingResponse misrouted = ask(misrouting.port());

        String idle = "127.0.0.1:" + stack.sim.apiAddress().getPort();
        assertThat(destination(routed)).isEqualTo(idle);
        assertThat(destination(misrouted))
            .as("ignores load")
            .isEqualTo("127.0.0.1:" + busy.apiAddress().getPort());
        ReceivedSpan route =
            stack
                .sink
                .awaitSpans(s -> s.name().equals("llm.route"), 1, Duration.ofSeconds(10))
                .get(0);
        assertThat(route.attribute("llm.route.endpoint")).isEqualTo(idle);
        assertThat((String) route.attribute("llm.route.scores"))
            .contains(idle, "127.0.0.1:" + busy.apiAddress().getPort());
        assertThat(route.attribute("gen_ai.request.model")).isEqualTo("m");
      } finally {
        busy.faults().clear();
      }
    }
  }

  @Test
  void answers503WhenNoEndpointIsUpAndRejectsABadEndpointsFile() throws Exception {
    int dead = FreePorts.next(); // nothing listens there: none hands it out again
    Path file =
        Files.writeString(
            tmp.resolve("dead.yaml"),
            "endpoints:\n  - {name: gone, address: 127.0.0.1, port: \"" + dead + "\"}\n");
    try (RefEpp epp =
        RefEpp.start(
            new InetSocketAddress("127.0.0.1", 0),
            Endpoint.read(file),
            new Scorer(1, 1, 1),
            false)) {
      ProcessingResponse r = ask(epp.port());

      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(503);
    }
    Path bad =
        Files.writeString(
            tmp.resolve("bad.yaml"), "endpoints:\n  - {name: x, address: 127.0.0.1}\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Endpoint.read(bad))
        .hasMessageContaining("endpoints[0] needs an address and a port 1-65535");
  }

  @Test
  void anEndpointBehindTheOthersIsLeftOutButAStallOfTheEppItselfLeavesAllIn() {
    Endpoint a = new Endpoint("a", "127.0.0.1", 1);
    Endpoint b = new Endpoint("b", "127.0.0.1", 2);
    Endpoint c = new Endpoint("c", "127.0.0.1", 3);
    List<Endpoint> all = List.of(a, b, c);
    long ms = 1_000_000L;
    long t = 1_000_000 * ms;

    // b stopped answering 600 ms before the others' latest answers: it is gone
    assertThat(RefEpp.up(all, Map.of(a, t, b, t - 600 * ms, c, t - 20 * ms), t + 10 * ms))
        .containsExactly(a, c);
    // nobody scraped for 1.5 s (the EPP's own pause): all equally old, all still up
    assertThat(RefEpp.up(all, Map.of(a, t, b, t - 30 * ms, c, t - 20 * ms), t + 1500 * ms))
        .containsExactly(a, b, c);
    // no answer from anyone for over 5 s, or never: none is up (503)
    assertThat(RefEpp.up(all, Map.of(a, t, b, t, c, t), t + 5001 * ms)).isEmpty();
    assertThat(RefEpp.up(all, Map.of(), t)).isEmpty();
    assertThat(RefEpp.up(all, Map.of(a, t), t)).containsExactly(a);
  }
}
