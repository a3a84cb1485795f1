package dev.infertrace.proxy.export;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.infertrace.proxy.tls.PemFiles;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.annotation.Nullable;

/**
 * OTLP/gRPC span export ({@code opentelemetry.proto.collector.trace.v1.TraceService/Export}) with
 * the request encoded by {@link OtlpTraceEncoder} and sent by grpc-java over Netty, on one event
 * loop thread of its own. It replaces the SDK's OTLP/gRPC exporter, configured by the same {@code
 * OTEL_EXPORTER_OTLP_*} settings ({@link OtlpGrpcSettings}), because marshalling through the SDK
 * was the largest part of the export's cost at saturation (BENCHMARKS.md).
 *
 * <p>As the SDK's exporter does: a deadline of the configured timeout per attempt, the SDK's
 * default retry policy (5 attempts, backoff from 1 s to 5 s with full jitter) on the status codes
 * the OTLP specification calls retryable, gzip when configured, and a partial success (spans the
 * receiver rejected) logged as a warning. {@link #export} never blocks: its result completes when
 * the receiver has answered, or the last attempt failed.
 */
public final class OtlpGrpcExporter implements SpanExporter {
  private static final Logger LOG = Logger.getLogger(OtlpGrpcExporter.class.getName());

  static final String METHOD = "opentelemetry.proto.collector.trace.v1.TraceService/Export";

  /** The status codes the OTLP specification lists as retryable. */
  private static final Set<Status.Code> RETRYABLE =
      Set.of(
          Status.Code.CANCELLED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.RESOURCE_EXHAUSTED,
          Status.Code.ABORTED,
          Status.Code.OUT_OF_RANGE,
          Status.Code.UNAVAILABLE,
          Status.Code.DATA_LOSS);

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try (stream) {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw Status.INTERNAL.withCause(e).asRuntimeException();
          }
        }
      };

  private static final MethodDescriptor<byte[], byte[]> EXPORT =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(METHOD)
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  private final OtlpGrpcSettings settings;
  private final EventLoopGroup loop;
  private final ManagedChannel channel;
  private final Metadata headers = new Metadata();
  @Nullable private final RetryPolicy retry;
  private final OtlpTraceEncoder encoder = new OtlpTraceEncoder();
  private final AtomicBoolean shutdown = new AtomicBoolean();
  private volatile long lastPartialWarning;
  private volatile long lastFailureWarning;
  private final AtomicLong failedSinceWarning = new AtomicLong();

  public OtlpGrpcExporter(OtlpGrpcSettings settings) throws IOException {
    this(settings, settings.retry() ? RetryPolicy.getDefault() : null);
  }

  /** With another retry policy than the SDK's default (tests: short backoffs); null: none. */
  OtlpGrpcExporter(OtlpGrpcSettings settings, @Nullable RetryPolicy retry) throws IOException {
    this.settings = settings;
    this.retry = retry;
    for (Map.Entry<String, String> h : settings.headers().entrySet()) {
      headers.put(Metadata.Key.of(h.getKey(), Metadata.ASCII_STRING_MARSHALLER), h.getValue());
    }
    URI endpoint = settings.endpoint();
    boolean tls = "https".equals(endpoint.getScheme());
    int port = endpoint.getPort() != -1 ? endpoint.getPort() : tls ? 443 : 80;
    this.loop =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("infertrace-otlp", true), NioIoHandler.newFactory());
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(endpoint.getHost(), port)
            .eventLoopGroup(loop)
            .channelType(NioSocketChannel.class)
            // the listener only completes a result: run it on the event loop, no hand-over
            .directExecutor()
            .maxInboundMessageSize(4 * 1024 * 1024);
    try {
      if (tls) {
        SslContextBuilder ssl = GrpcSslContexts.forClient();
        if (settings.trustedCertificates() != null) {
          ssl.trustManager(
              PemFiles.certificates(settings.trustedCertificates())
                  .toArray(new X509Certificate[0]));
        }
        if (settings.clientCertificate() != null && settings.clientKey() != null) {
          ssl.keyManager(
              PemFiles.privateKey(settings.clientKey()),
              PemFiles.certificates(settings.clientCertificate()).toArray(new X509Certificate[0]));
        }
        builder.sslContext(ssl.build());
      } else {
        builder.usePlaintext();
      }
    } catch (IOException | RuntimeException e) {
      loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
    this.channel = builder.build();
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    if (shutdown.get()) {
      return CompletableResultCode.ofFailure();
    }
    if (spans.isEmpty()) {
      return CompletableResultCode.ofSuccess();
    }
    byte[] request;
    synchronized (encoder) {
      request = encoder.encode(spans).copy();
    }
    CompletableResultCode result = new CompletableResultCode();
    send(request, spans.size(), 1, retry != null ? retry.getInitialBackoff().toNanos() : 0, result);
    return result;
  }

  private void send(
      byte[] request, int spans, int attempt, long backoffNanos, CompletableResultCode result) {
    if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      // grpc-java would wait out its own reconnect backoff (up to 2 minutes) and fail every call
      // meanwhile, long after a restarted collector is back: this export tries to connect now,
      // as the SDK's exporter does on each request, and the retry policy paces the attempts.
      channel.resetConnectBackoff();
    }
    CallOptions options =
        CallOptions.DEFAULT.withDeadlineAfter(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
    if (settings.gzip()) {
      options = options.withCompression("gzip");
    }
    ClientCall<byte[], byte[]> call = channel.newCall(EXPORT, options);
    Metadata metadata = new Metadata();
    metadata.merge(headers);
    call.start(
        new ClientCall.Listener<>() {
          @Nullable private byte[] response;

          @Override
          public void onMessage(byte[] message) {
            response = message;
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            if (status.isOk()) {
              if (response != null) {
                partialSuccess(response);
              }
              result.succeed();
              return;
            }
            if (retry != null
                && attempt < retry.getMaxAttempts()
                && RETRYABLE.contains(status.getCode())
                && !shutdown.get()) {
              long cap = Math.min(backoffNanos, retry.getMaxBackoff().toNanos());
              long wait = ThreadLocalRandom.current().nextLong(Math.max(cap, 1));
              long next = (long) (backoffNanos * retry.getBackoffMultiplier());
              loop.schedule(
                  () -> send(request, spans, attempt + 1, next, result),
                  wait,
                  TimeUnit.NANOSECONDS);
              return;
            }
            failed(spans, attempt, describe(status), result);
          }
        },
        metadata);
    try {
      call.request(1);
      call.sendMessage(request);
      call.halfClose();
    } catch (RuntimeException e) {
      call.cancel("could not send the export", e);
      failed(spans, attempt, e.toString(), result);
    }
  }

  /**
   * The batch is lost: its result fails (the queue counts its spans as {@code export_failed}), and
   * a warning says why — at most one a minute, with the batches lost since the last, so a dead
   * collector does not flood the log.
   */
  private void failed(int spans, int attempt, String why, CompletableResultCode result) {
    result.fail();
    long lost = failedSinceWarning.incrementAndGet();
    long now = System.nanoTime();
    if (!warnedOverAMinuteAgo(lastFailureWarning, now)) {
      return;
    }
    lastFailureWarning = now;
    failedSinceWarning.set(0);
    LOG.log(
        Level.WARNING,
        "OTLP export to {0} failed: {1} batch(es) lost since the last warning, the last of {2}"
            + " spans after {3} attempt(s): {4}",
        new Object[] {settings.endpoint(), lost, spans, attempt, why});
  }

  /** True when no warning was logged yet ({@code last} 0) or the last was a minute or more ago. */
  private static boolean warnedOverAMinuteAgo(long last, long now) {
    return last == 0 || now - last >= TimeUnit.MINUTES.toNanos(1);
  }

  private static String describe(Status status) {
    StringBuilder sb = new StringBuilder(status.getCode().name());
    if (status.getDescription() != null) {
      sb.append(" (").append(status.getDescription()).append(')');
    }
    if (status.getCause() != null) {
      sb.append(": ").append(status.getCause());
    }
    return sb.toString();
  }

  /**
   * Reads {@code ExportTraceServiceResponse.partial_success} and warns, at most once a minute, when
   * spans were rejected.
   */
  private void partialSuccess(byte[] response) {
    PartialSuccess partial = PartialSuccess.parse(response);
    if (partial.rejectedSpans() == 0 && partial.errorMessage().isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    if (!warnedOverAMinuteAgo(lastPartialWarning, now)) {
      return;
    }
    lastPartialWarning = now;
    LOG.log(
        Level.WARNING,
        "OTLP receiver {0} rejected {1} spans: {2}",
        new Object[] {settings.endpoint(), partial.rejectedSpans(), partial.errorMessage()});
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess(); // nothing is held between exports
  }

  @Override
  public CompletableResultCode shutdown() {
    if (!shutdown.compareAndSet(false, true)) {
      return CompletableResultCode.ofSuccess();
    }
    CompletableResultCode done = new CompletableResultCode();
    channel.shutdown();
    Thread t =
        new Thread(
            () -> {
              try {
                channel.awaitTermination(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                channel.shutdownNow();
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                done.succeed();
              }
            },
            "infertrace-otlp-shutdown");
    t.setDaemon(true);
    t.start();
    return done;
  }

  @Override
  public String toString() {
    return "OtlpGrpcExporter{endpoint=" + settings.endpoint() + "}";
  }

  /** {@code ExportTraceServiceResponse.partial_success}: what the receiver did not accept. */
  record PartialSuccess(long rejectedSpans, String errorMessage) {
    private static final PartialSuccess NONE = new PartialSuccess(0, "");

    /** From the response's bytes; a response that does not parse reads as no rejection. */
    static PartialSuccess parse(byte[] response) {
      try {
        ExportTracePartialSuccess p =
            ExportTraceServiceResponse.parseFrom(response).getPartialSuccess();
        return new PartialSuccess(p.getRejectedSpans(), p.getErrorMessage());
      } catch (InvalidProtocolBufferException e) {
        return NONE;
      }
    }
  }
}
