package dev.infertrace.proxy.epp;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.KnownLength;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Readies a gateway's ext_proc path before its first request. In a cold JVM the first stream
 * otherwise loads and initialises the protobuf messages, gRPC's marshaller and the channel's call
 * path on the event loop that runs the exchange, while every other connection of that loop waits
 * (0.3 s of the ingress's loop in a profile of {@code infertrace demo}'s first seconds). Done once
 * at start, before the proxy listens: every message kind a stream sends goes through the method's
 * marshaller (and is parsed back, as the epp interposer reads it), every answer kind the stream
 * reads is parsed by it, and one gRPC health check goes over the channel, which connects it and
 * says whether the EPP answers.
 */
final class ExtProcWarmUp {
  private ExtProcWarmUp() {}

  /**
   * Both steps, {@link #marshal()} then {@link #check}, for a gateway's client or the interposer.
   *
   * @return how the EPP answered
   */
  static String ready(ManagedChannel channel, Duration wait) {
    marshal();
    return check(channel, wait);
  }

  /** Each message kind through {@code Process}'s marshallers, as a stream sends and reads them. */
  private static void marshal() {
    MethodDescriptor<ProcessingRequest, ProcessingResponse> m =
        ExternalProcessorGrpc.getProcessMethod();
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("content-type", "application/json");
    headers.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    ByteBuffer body =
        ByteBuffer.wrap(
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8));
    for (ProcessingRequest r :
        List.of(
            ExtProcStream.requestHeaders("POST", "/v1/chat/completions", "gw", headers, false),
            ExtProcStream.body(body.duplicate(), true, false),
            ExtProcStream.responseHeaders(200, headers),
            ExtProcStream.body(body.duplicate(), true, true))) {
      drain(m.streamRequest(r));
      m.parseRequest(new WireBytes(r.toByteArray())); // the epp interposer reads them too
    }
    HeaderValueOption destination =
        HeaderValueOption.newBuilder()
            .setHeader(
                HeaderValue.newBuilder()
                    .setKey(ExtProcStream.DESTINATION)
                    .setRawValue(ByteString.copyFromUtf8("127.0.0.1:8000")))
            .build();
    CommonResponse mutation =
        CommonResponse.newBuilder()
            .setHeaderMutation(
                HeaderMutation.newBuilder().addSetHeaders(destination).addRemoveHeaders("x-a"))
            .build();
    for (ProcessingResponse r :
        List.of(
            ProcessingResponse.newBuilder()
                .setRequestHeaders(HeadersResponse.newBuilder().setResponse(mutation))
                .setDynamicMetadata(
                    Struct.newBuilder()
                        .putFields(
                            "envoy.lb",
                            Value.newBuilder()
                                .setStructValue(
                                    Struct.newBuilder()
                                        .putFields(
                                            ExtProcStream.DESTINATION,
                                            Value.newBuilder()
                                                .setStringValue("127.0.0.1:8000")
                                                .build()))
                                .build()))
                .build(),
            ProcessingResponse.newBuilder()
                .setRequestBody(
                    BodyResponse.newBuilder()
                        .setResponse(
                            CommonResponse.newBuilder()
                                .setBodyMutation(
                                    BodyMutation.newBuilder()
                                        .setStreamedResponse(
                                            StreamedBodyResponse.newBuilder()
                                                .setBody(ByteString.copyFrom(body.duplicate()))
                                                .setEndOfStream(true)))))
                .build(),
            ProcessingResponse.newBuilder()
                .setResponseHeaders(HeadersResponse.newBuilder().setResponse(mutation))
                .build(),
            ProcessingResponse.newBuilder()
                .setImmediateResponse(
                    ImmediateResponse.newBuilder()
                        .setStatus(HttpStatus.newBuilder().setCodeValue(429))
                        .setBody(ByteString.copyFromUtf8("busy")))
                .build())) {
      // From bytes, as they come off the wire: the marshaller hands a message it made itself
      // back without parsing it.
      ProcessingResponse back = m.parseResponse(new WireBytes(r.toByteArray()));
      if (!back.equals(r)) {
        throw new IllegalStateException("the ext_proc marshaller does not round-trip " + r);
      }
    }
    ExtProcStream.applyMutation(
        new DefaultHttpHeaders(),
        mutation.getHeaderMutation().getSetHeadersList(),
        mutation.getHeaderMutation().getRemoveHeadersList());
  }

  /** Bytes as gRPC's transport hands them to the marshaller: their length known. */
  private static final class WireBytes extends ByteArrayInputStream implements KnownLength {
    WireBytes(byte[] bytes) {
      super(bytes);
    }
  }

  /**
   * One {@code grpc.health.v1.Health/Check} over {@code channel}, waiting at most {@code wait}: it
   * connects the channel and runs gRPC's call path once, made as an ext_proc stream is (a
   * bidirectional call: started, one message, half-closed; on the wire the same request as a unary
   * Check), so that the streaming call's path is the one loaded. Returns how the EPP answered, for
   * the start-up line: an EPP that serves health elsewhere (llm-d's EPP: port 9003, ext_proc on
   * 9002) answers UNIMPLEMENTED here, which still says that it is there.
   *
   * <p>When it does not answer, the channel is put back to idle: the first request then connects
   * afresh, as it would have without this check, rather than fail at once while gRPC backs off.
   */
  private static String check(ManagedChannel channel, Duration wait) {
    String answered = ask(channel, wait);
    if (!answered.startsWith("answering")) {
      channel.enterIdle();
    }
    return answered;
  }

  private static String ask(Channel channel, Duration wait) {
    MethodDescriptor<HealthCheckRequest, HealthCheckResponse> asStream =
        HealthGrpc.getCheckMethod().toBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .build();
    ClientCall<HealthCheckRequest, HealthCheckResponse> call =
        channel.newCall(
            asStream,
            CallOptions.DEFAULT.withDeadlineAfter(wait.toMillis(), TimeUnit.MILLISECONDS));
    CompletableFuture<String> answer = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          private HealthCheckResponse.ServingStatus serving;

          @Override
          public void onMessage(HealthCheckResponse r) {
            serving = r.getStatus();
          }

          @Override
          public void onClose(Status s, Metadata trailers) {
            if (s.isOk() && serving != null) {
              answer.complete("answering (health " + serving + ")");
            } else if (s.isOk() || s.getCode() == Status.Code.UNIMPLEMENTED) {
              answer.complete("answering");
            } else {
              answer.complete(
                  "not answering yet: "
                      + s.getCode()
                      + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")"));
            }
          }
        },
        new Metadata());
    call.request(Integer.MAX_VALUE);
    call.sendMessage(HealthCheckRequest.getDefaultInstance());
    call.halfClose();
    try {
      // The call's deadline ends it; the margin is for its close to arrive.
      return answer.get(wait.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel("interrupted", e);
      return "not asked: interrupted";
    } catch (ExecutionException | TimeoutException e) {
      call.cancel("no answer", e);
      return "not answering yet: no answer in " + wait.toMillis() + " ms";
    }
  }

  private static void drain(InputStream in) {
    try (in) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
