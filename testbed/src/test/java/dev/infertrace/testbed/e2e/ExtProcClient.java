package dev.infertrace.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** What a gateway does to ask an EPP for a route: one ext_proc stream, headers then the body. */
public final class ExtProcClient {
  private ExtProcClient() {}

  private static boolean answered(List<ProcessingResponse> answers) {
    return answers.stream().anyMatch(ProcessingResponse::hasImmediateResponse)
        || answers.stream().anyMatch(ProcessingResponse::hasRequestBody);
  }

  /**
   * Sends request headers and a body (end of stream), waits for the one routing answer, closes the
   * stream and returns that answer.
   */
  public static ProcessingResponse route(int port, Map<String, String> headers, String body)
      throws Exception {
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
      HeaderMap.Builder map = HeaderMap.newBuilder();
      headers.forEach(
          (k, v) ->
              map.addHeaders(
                  HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v))));
      in.onNext(
          ProcessingRequest.newBuilder()
              .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(map))
              .build());
      in.onNext(
          ProcessingRequest.newBuilder()
              .setRequestBody(
                  HttpBody.newBuilder().setBody(ByteString.copyFromUtf8(body)).setEndOfStream(true))
              .build());
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!answered(answers) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      in.onCompleted();
      done.get(10, TimeUnit.SECONDS);
      // The routing answer comes first: a request-headers response (the llm-d EPP's full-duplex
      // style, the body echoed after it), a request-body response (buffered style), or an
      // immediate response.
      assertThat(answers).as("a routing answer").isNotEmpty();
      ProcessingResponse first = answers.get(0);
      if (first.hasRequestHeaders()) {
        assertThat(answers).as("the body echoed after the routing answer").hasSize(2);
        assertThat(
                answers
                    .get(1)
                    .getRequestBody()
                    .getResponse()
                    .getBodyMutation()
                    .getStreamedResponse()
                    .getBody()
                    .toStringUtf8())
            .isEqualTo(body);
      } else {
        assertThat(answers).as("one answer: %s", answers).hasSize(1);
      }
      return first;
    } finally {
      ch.shutdownNow();
    }
  }
}
