package dev.infertrace.proxy.epp;

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
import io.grpc.protobuf.services.HealthStatusManager;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./infertrace epp}: a transparent gRPC proxy for Envoy's ext_proc {@code Process} stream in
 * front of an Endpoint Picker. Every message is relayed both ways as the same bytes, in order, with
 * gRPC flow control (the next message is asked for only after the previous one was passed on);
 * headers, trailers, status and cancellation pass through. A copy of each message feeds the
 * stream's {@code llm.route} span after it was forwarded, so span work never delays a message.
 * Serves gRPC health too.
 */
public final class EppInterposer implements AutoCloseable {
  private final Server server;
  private final ManagedChannel upstream;
  private final String answered;

  private EppInterposer(Server server, ManagedChannel upstream, String answered) {
    this.server = server;
    this.upstream = upstream;
    this.answered = answered;
  }

  public static EppInterposer start(
      InetSocketAddress listen, InetSocketAddress epp, OpenTelemetry otel) throws IOException {
    return start(listen, epp, otel, null);
  }

  /**
   * @param view the candidates' state for the span's {@code llm.route.candidate} events, or null
   */
  public static EppInterposer start(
      InetSocketAddress listen,
      InetSocketAddress epp,
      OpenTelemetry otel,
      @javax.annotation.Nullable EndpointView view)
      throws IOException {
    ManagedChannel channel = NettyChannelBuilder.forAddress(epp).usePlaintext().build();
    // The route observer parses each message: its classes, and the channel, before the first one.
    String answered = ExtProcWarmUp.ready(channel, EppClient.MAX_START_WAIT);
    Tracer tracer = otel.getTracer("dev.infertrace.proxy.epp");
    HealthStatusManager health = new HealthStatusManager();
    ServerServiceDefinition relay =
        ServerServiceDefinition.builder("envoy.service.ext_proc.v3.ExternalProcessor")
            .addMethod(
                RawBytes.PROCESS, new Relay(channel, new Reconnects(channel), otel, tracer, view))
            .build();
    Server server =
        NettyServerBuilder.forAddress(listen)
            .addService(relay)
            .addService(health.getHealthService())
            .build()
            .start();
    return new EppInterposer(server, channel, answered);
  }

  /** How the EPP answered the health check at start ({@link EppClient#answered()}'s forms). */
  public String answered() {
    return answered;
  }

  public int port() {
    return server.getPort();
  }

  /** True until {@link #close()}: the gateway's ext_proc streams are accepted. */
  public boolean isOpen() {
    return !server.isShutdown();
  }

  @Override
  public void close() {
    server.shutdownNow();
    upstream.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
      upstream.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record Relay(
      ManagedChannel channel,
      Reconnects reconnects,
      OpenTelemetry otel,
      Tracer tracer,
      @javax.annotation.Nullable EndpointView view)
      implements ServerCallHandler<byte[], byte[]> {
    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> in, Metadata headers) {
      Object lock = new Object(); // gRPC calls are not thread-safe; the two sides run apart
      RouteObserver route = new RouteObserver(otel, tracer, view);
      ClientCall<byte[], byte[]> out = channel.newCall(RawBytes.PROCESS, CallOptions.DEFAULT);
      out.start(
          new ClientCall.Listener<>() {
            @Override
            public void onHeaders(Metadata h) {
              synchronized (lock) {
                in.sendHeaders(h);
              }
            }

            @Override
            public void onMessage(byte[] message) {
              synchronized (lock) {
                in.sendMessage(message);
                out.request(1);
                route.onResponse(message);
              }
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              if (status.getCode() == Status.Code.UNAVAILABLE) {
                reconnects.afterFailure(); // a restarted EPP is used within a second
              }
              synchronized (lock) {
                in.close(status, trailers);
                route.onClose(status);
              }
            }
          },
          headers);
      synchronized (lock) {
        out.request(1);
        in.request(1);
      }
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(byte[] message) {
          synchronized (lock) {
            out.sendMessage(message);
            in.request(1);
            route.onRequest(message);
          }
        }

        @Override
        public void onHalfClose() {
          synchronized (lock) {
            out.halfClose();
          }
        }

        @Override
        public void onCancel() {
          synchronized (lock) {
            out.cancel("the gateway cancelled the stream", null);
            route.onClose(Status.CANCELLED);
          }
        }
      };
    }
  }
}
