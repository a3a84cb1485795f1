package dev.infertrace.proxy.otlp;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An OTLP trace receiver: OTLP/gRPC and OTLP/HTTP (protobuf, gzip) on the given addresses, handing
 * each export to a {@link Listener}. Used by the worker (vLLM's own spans) and by the testbed's
 * sink. With {@code loopbackOnly}, exports from other hosts are refused (gRPC PERMISSION_DENIED,
 * HTTP 403).
 */
public final class OtlpReceiver implements AutoCloseable {
  static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

  /** Connections idle this long are closed, unless the caller says otherwise. */
  static final Duration DEFAULT_IDLE =
      dev.infertrace.proxy.cli.DurationConverter.parse(
          dev.infertrace.proxy.config.ProxyDefaults.IDLE_TIMEOUT);

  /** Where received exports go. Called on receiver threads; must be thread-safe. */
  public interface Listener {
    /** False to refuse exports for now (a receiver standing for a failing collector). */
    default boolean accepting() {
      return true;
    }

    void accept(ExportTraceServiceRequest request, String transport);

    /** An export was refused or malformed. */
    default void countRejected() {}

    /** Alias used by the HTTP side. */
    default boolean rejecting() {
      return !accepting();
    }
  }

  private final Server grpc;
  private final OtlpHttpReceiver http;

  private OtlpReceiver(Server grpc, OtlpHttpReceiver http) {
    this.grpc = grpc;
    this.http = http;
  }

  public static OtlpReceiver start(
      InetSocketAddress grpcAddress,
      InetSocketAddress httpAddress,
      Listener listener,
      boolean loopbackOnly)
      throws IOException, InterruptedException {
    return start(grpcAddress, httpAddress, listener, loopbackOnly, DEFAULT_IDLE);
  }

  /** As above; connections idle for {@code idleTimeout} are closed (both listeners). */
  public static OtlpReceiver start(
      InetSocketAddress grpcAddress,
      InetSocketAddress httpAddress,
      Listener listener,
      boolean loopbackOnly,
      Duration idleTimeout)
      throws IOException, InterruptedException {
    Server grpc;
    try {
      grpc =
          NettyServerBuilder.forAddress(grpcAddress)
              .maxInboundMessageSize(MAX_BODY_BYTES)
              .maxConnectionIdle(idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .addService(
                  ServerInterceptors.intercept(
                      new TraceService(listener), new LoopbackOnly(loopbackOnly, listener)))
              .build()
              .start();
    } catch (IOException e) {
      throw dev.infertrace.proxy.listener.ListenFailure.of(
          "spans over OTLP/gRPC (--otlp-receiver; each worker on a host needs its own)",
          grpcAddress,
          e.getCause() != null ? e.getCause() : e);
    }
    try {
      return new OtlpReceiver(
          grpc, OtlpHttpReceiver.start(httpAddress, listener, loopbackOnly, idleTimeout));
    } catch (IOException | InterruptedException | RuntimeException e) {
      grpc.shutdownNow();
      throw e;
    }
  }

  public int grpcPort() {
    return grpc.getPort();
  }

  public int httpPort() {
    return http.port();
  }

  @Override
  public void close() {
    http.close();
    grpc.shutdownNow();
    try {
      grpc.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static boolean isLoopback(SocketAddress address) {
    return address instanceof InetSocketAddress a
        && a.getAddress() != null
        && a.getAddress().isLoopbackAddress();
  }

  private static final class TraceService extends TraceServiceGrpc.TraceServiceImplBase {
    private final Listener listener;

    TraceService(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void export(
        ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
      if (!listener.accepting()) {
        listener.countRejected();
        response.onError(Status.UNAVAILABLE.withDescription("not accepting spans").asException());
        return;
      }
      listener.accept(request, "grpc");
      response.onNext(ExportTraceServiceResponse.getDefaultInstance());
      response.onCompleted();
    }
  }

  private record LoopbackOnly(boolean enabled, Listener listener) implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      if (enabled && !isLoopback(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))) {
        listener.countRejected();
        call.close(
            Status.PERMISSION_DENIED.withDescription("only loopback peers may send spans here"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
  }
}
