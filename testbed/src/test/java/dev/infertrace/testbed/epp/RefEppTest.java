package dev.infertrace.testbed.epp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.infertrace.proxy.epp.EppInterposer;
import dev.infertrace.testbed.e2e.TracedStack;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference EPP routes away from a queued twin, says why in its scores, and can misroute. */
class RefEppTest {
  @TempDir Path tmp;

  private static ProcessingResponse ask(int port) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      List<ProcessingResponse> answers = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> done = new CompletableFuture<>();
      StreamObserver<ProcessingRequest> in =
          ExternalProcessorGrpc.newStub(ch)
              .process(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(ProcessingResponse r) {
                      answers.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                      done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                      done.complete(null);
                    }
                  });
      in.onNext(
          ProcessingRequest.newBuilder()
              .setRequestHeaders(
                  HttpHeaders.newBuilder()
                      .setHeaders(
                          HeaderMap.newBuilder()
                              .addHeaders(
                                  HeaderValue.newBuilder()
                                      .setKey(":path")
                                      .setRawValue(
                                          ByteString.copyFromUtf8("/v1/chat/completions")))))
              .build());
      in.onNext(
          ProcessingRequest.newBuilder()
              .setRequestBody(
                  HttpBody.newBuilder()
                      .setBody(
                          ByteString.copyFromUtf8(
                              "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"))
                      .setEndOfStream(true))
              .build());
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (answers.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      in.onCompleted();
      done.get(10, TimeUnit.SECONDS);
      return answers.get(0);
    } finally {
      ch.shutdownNow();
    }
  }

  private static String destination(ProcessingResponse r) {
    return r.getRequestBody()
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
    int dead;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      dead = s.getLocalPort();
    }
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
}
