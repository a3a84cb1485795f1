package dev.infertrace.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.infertrace.proxy.epp.EppInterposer;
import dev.infertrace.proxy.epp.RawBytes;
import dev.infertrace.testbed.junit.FreePorts;
import dev.infertrace.testbed.otlp.OtlpSink;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ext_proc interposer: a byte-exact relay, and one llm.route span per stream. */
class EppInterposerTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER = "00f067aa0ba902b7";

  /**
   * An upstream that records what it gets and answers each message with a deterministic transform.
   */
  private static final class RawEcho implements ServerCallHandler<byte[], byte[]> {
    final List<byte[]> received = new CopyOnWriteArrayList<>();
    final List<byte[]> sent = new CopyOnWriteArrayList<>();

    @Override
    public ServerCall.Listener<byte[]> startCall(
        ServerCall<byte[], byte[]> call, Metadata headers) {
      call.sendHeaders(new Metadata());
      call.request(1);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(byte[] m) {
          received.add(m);
          byte[] answer = new byte[m.length + 1];
          for (int i = 0; i < m.length; i++) {
            answer[i] = (byte) ~m[m.length - 1 - i];
          }
          answer[m.length] = (byte) m.length;
          sent.add(answer);
          call.sendMessage(answer);
          call.request(1);
        }

        @Override
        public void onHalfClose() {
          call.close(Status.OK, new Metadata());
        }
      };
    }
  }

  private static List<byte[]> exchange(ManagedChannel ch, List<byte[]> messages) throws Exception {
    List<byte[]> got = new CopyOnWriteArrayList<>();
    CompletableFuture<Status> done = new CompletableFuture<>();
    ClientCall<byte[], byte[]> call = ch.newCall(RawBytes.PROCESS, CallOptions.DEFAULT);
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] m) {
            got.add(m);
            call.request(1);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            done.complete(status);
          }
        },
        new Metadata());
    call.request(1);
    for (byte[] m : messages) {
      call.sendMessage(m);
    }
    call.halfClose();
    assertThat(done.get(10, TimeUnit.SECONDS).isOk()).isTrue();
    return got;
  }

  @Test
  void relaysRandomMessageSequencesByteForByteInBothDirections() throws Exception {
    RawEcho upstream = new RawEcho();
    Server epp =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                ServerServiceDefinition.builder("envoy.service.ext_proc.v3.ExternalProcessor")
                    .addMethod(RawBytes.PROCESS, upstream)
                    .build())
            .build()
            .start();
    try (OtlpSink sink = OtlpSink.start();
        EppInterposer interposer =
            EppInterposer.start(
                new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", epp.getPort()),
                io.opentelemetry.api.OpenTelemetry.noop())) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", interposer.port()).usePlaintext().build();
      Random random = new Random(42);
      for (int round = 0; round < 50; round++) {
        upstream.received.clear();
        upstream.sent.clear();
        List<byte[]> messages = new ArrayList<>();
        for (int i = random.nextInt(20); i >= 0; i--) {
          byte[] m = new byte[random.nextInt(3000)];
          random.nextBytes(m); // mostly not valid protobuf: the relay must not care
          messages.add(m);
        }

        List<byte[]> answers = exchange(ch, messages);

        assertThat(upstream.received)
            .as("round %d, to the EPP", round)
            .containsExactlyElementsOf(messages);
        assertThat(answers)
            .as("round %d, back to the gateway", round)
            .containsExactlyElementsOf(upstream.sent);
      }
      ch.shutdownNow();
    } finally {
      epp.shutdownNow();
    }
  }

  /** A minimal EPP in the real protocol: routes on the body's end of stream, or sheds. */
  private static final class Picker extends ExternalProcessorGrpc.ExternalProcessorImplBase {
    private final boolean shed;

    Picker(boolean shed) {
      this.shed = shed;
    }

    @Override
    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(ProcessingRequest r) {
          if (r.hasRequestBody() && r.getRequestBody().getEndOfStream()) {
            if (shed) {
              out.onNext(
                  ProcessingResponse.newBuilder()
                      .setImmediateResponse(
                          ImmediateResponse.newBuilder()
                              .setStatus(
                                  HttpStatus.newBuilder().setCode(StatusCode.TooManyRequests)))
                      .build());
              return;
            }
            out.onNext(
                ProcessingResponse.newBuilder()
                    .setRequestBody(
                        BodyResponse.newBuilder()
                            .setResponse(
                                CommonResponse.newBuilder()
                                    .setClearRouteCache(true)
                                    .setHeaderMutation(
                                        HeaderMutation.newBuilder()
                                            .addSetHeaders(
                                                HeaderValueOption.newBuilder()
                                                    .setHeader(
                                                        HeaderValue.newBuilder()
                                                            .setKey(
                                                                "x-gateway-destination-endpoint")
                                                            .setRawValue(
                                                                ByteString.copyFromUtf8(
                                                                    "10.0.0.7:8000")))))))
                    .setDynamicMetadata(
                        Struct.newBuilder()
                            .putFields(
                                "envoy.lb",
                                Value.newBuilder()
                                    .setStructValue(
                                        Struct.newBuilder()
                                            .putFields(
                                                "x-gateway-destination-endpoint",
                                                Value.newBuilder()
                                                    .setStringValue("10.0.0.7:8000")
                                                    .build())
                                            .putFields(
                                                "x-gateway-destination-endpoint-scores",
                                                Value.newBuilder()
                                                    .setStringValue(
                                                        "{\"10.0.0.7:8000\":0.9,\"10.0.0.8:8000\":0.4}")
                                                    .build()))
                                    .build()))
                    .build());
          } else if (r.hasRequestHeaders()) {
            return; // FULL_DUPLEX_STREAMED: the answer comes after the body
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  private static ReceivedSpan routeOnce(boolean shed) throws Exception {
    Server epp =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new Picker(shed))
            .build()
            .start();
    try (TracedStack stack = new TracedStack(dev.infertrace.testbed.sim.SimConfig.loopback("m"));
        EppInterposer interposer =
            EppInterposer.start(
                new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", epp.getPort()),
                stack.sdk("infertrace-epp"))) {
      ExtProcClient.route(
          interposer.port(),
          java.util.Map.of(
              ":path", "/v1/chat/completions",
              "traceparent", "00-" + TRACE + "-" + CALLER + "-01",
              "x-request-id", "route-1"),
          "{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      return stack
          .sink
          .awaitSpans(s -> s.name().equals("llm.route"), 1, Duration.ofSeconds(10))
          .get(0);
    } finally {
      epp.shutdownNow();
    }
  }

  @Test
  void oneRouteSpanPerStreamWithTheChoiceTheScoresAndTheDecisionTime() throws Exception {
    ReceivedSpan route = routeOnce(false);

    assertThat(route.traceId()).isEqualTo(TRACE);
    assertThat(route.parentSpanId()).isEqualTo(CALLER);
    assertThat(route.attribute("llm.route.endpoint")).isEqualTo("10.0.0.7:8000");
    assertThat(route.attribute("llm.route.outcome")).isEqualTo("routed");
    assertThat((String) route.attribute("llm.route.scores")).contains("10.0.0.8:8000");
    assertThat((Double) route.attribute("llm.route.decision_time")).isBetween(0.0, 1.0);
    assertThat(route.attribute("gen_ai.request.model")).isEqualTo("llama");
    assertThat(route.attribute("llm.request.id")).isEqualTo("route-1");
  }

  @Test
  void aShedRequestIsA429Outcome() throws Exception {
    ReceivedSpan route = routeOnce(true);

    assertThat(route.attribute("llm.route.outcome")).isEqualTo("shed");
    assertThat(route.attribute("http.response.status_code")).isEqualTo(429L);
  }

  @Test
  void anUnreachableEppFailsTheStreamAndTheSpanSaysSo() throws Exception {
    int dead = FreePorts.next(); // nothing listens there: none hands it out again
    try (TracedStack stack = new TracedStack(dev.infertrace.testbed.sim.SimConfig.loopback("m"));
        EppInterposer interposer =
            EppInterposer.start(
                new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", dead),
                stack.sdk("infertrace-epp"))) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", interposer.port()).usePlaintext().build();
      CompletableFuture<Status> closed = new CompletableFuture<>();
      ClientCall<byte[], byte[]> call = ch.newCall(RawBytes.PROCESS, CallOptions.DEFAULT);
      call.start(
          new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
              closed.complete(status);
            }
          },
          new Metadata());
      call.sendMessage(new byte[] {1, 2, 3});
      call.halfClose();

      assertThat(closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      ReceivedSpan route =
          stack
              .sink
              .awaitSpans(s -> s.name().equals("llm.route"), 1, Duration.ofSeconds(10))
              .get(0);
      assertThat(route.attribute("llm.route.outcome")).isEqualTo("error");
      assertThat(route.attribute("error.type")).isEqualTo("epp_unavailable");
      ch.shutdownNow();
    }
  }
}
