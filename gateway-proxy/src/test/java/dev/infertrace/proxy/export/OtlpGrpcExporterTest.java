package dev.infertrace.proxy.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The exporter against a real grpc-java server on loopback that implements the OTLP trace service
 * from opentelemetry-proto's generated classes: what arrives, the metadata and compression it
 * arrives with, retries, failures, and the receiver's partial success.
 */
class OtlpGrpcExporterTest {
  private static final RetryPolicy FAST =
      RetryPolicy.builder()
          .setMaxAttempts(4)
          .setInitialBackoff(Duration.ofMillis(5))
          .setMaxBackoff(Duration.ofMillis(20))
          .setBackoffMultiplier(2)
          .build();

  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  /** A receiver answering each call as {@code answer} says; calls and their metadata recorded. */
  private final class Receiver {
    final ConcurrentLinkedQueue<ExportTraceServiceRequest> requests = new ConcurrentLinkedQueue<>();
    final CopyOnWriteArrayList<Metadata> headers = new CopyOnWriteArrayList<>();
    final AtomicInteger calls = new AtomicInteger();
    final Server server;

    Receiver(Function<Integer, Object> answer) throws IOException {
      this(0, answer);
    }

    Receiver(int port, Function<Integer, Object> answer) throws IOException {
      ServerInterceptor recordHeaders =
          new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata h, ServerCallHandler<Q, R> next) {
              headers.add(h);
              return next.startCall(call, h);
            }
          };
      TraceServiceGrpc.TraceServiceImplBase service =
          new TraceServiceGrpc.TraceServiceImplBase() {
            @Override
            public void export(
                ExportTraceServiceRequest request,
                StreamObserver<ExportTraceServiceResponse> response) {
              Object a = answer.apply(calls.incrementAndGet());
              if (a instanceof Status s) {
                response.onError(s.asException());
                return;
              }
              requests.add(request);
              response.onNext((ExportTraceServiceResponse) a);
              response.onCompleted();
            }
          };
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
              .addService(ServerInterceptors.intercept(service, recordHeaders))
              .build()
              .start();
      closing.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    }

    URI endpoint() {
      return URI.create("http://127.0.0.1:" + server.getPort());
    }

    int spans() {
      return requests.stream()
          .flatMap(r -> r.getResourceSpansList().stream())
          .flatMap(rs -> rs.getScopeSpansList().stream())
          .mapToInt(ss -> ss.getSpansCount())
          .sum();
    }
  }

  private OtlpGrpcExporter exporter(
      URI endpoint, Map<String, String> headers, boolean gzip, RetryPolicy retry)
      throws IOException {
    OtlpGrpcExporter e =
        new OtlpGrpcExporter(
            new OtlpGrpcSettings(
                endpoint, headers, Duration.ofSeconds(5), gzip, null, null, null, retry != null),
            retry);
    closing.add(() -> e.shutdown().join(10, TimeUnit.SECONDS));
    return e;
  }

  private static List<SpanData> spans(int n) {
    List<SpanData> out = new ArrayList<>();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .addSpanProcessor(
                SimpleSpanProcessor.create(
                    SpanExporters.of(
                        batch -> {
                          synchronized (out) {
                            out.addAll(batch);
                          }
                          return CompletableResultCode.ofSuccess();
                        })))
            .build();
    Tracer tracer = provider.get("dev.infertrace.proxy");
    for (int i = 0; i < n; i++) {
      tracer
          .spanBuilder("chat m")
          .setAllAttributes(Attributes.of(AttributeKey.longKey("i"), (long) i))
          .startSpan()
          .end();
    }
    provider.shutdown().join(5, TimeUnit.SECONDS);
    return out;
  }

  @Test
  void spansArriveWithTheConfiguredHeadersAndGzip() throws Exception {
    Receiver receiver = new Receiver(call -> ExportTraceServiceResponse.getDefaultInstance());
    OtlpGrpcExporter exporter =
        exporter(receiver.endpoint(), Map.of("x-tenant", "team a"), true, FAST);

    CompletableResultCode result = exporter.export(spans(300));

    assertThat(result.join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(receiver.spans()).isEqualTo(300);
    Metadata h = receiver.headers.get(0);
    assertThat(h.get(Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("team a");
    assertThat(h.get(Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("gzip");
  }

  @Test
  void retryableStatusesAreRetriedUntilTheReceiverTakesTheBatch() throws Exception {
    // tried: UNAVAILABLE, then RESOURCE_EXHAUSTED, then success on the third call
    Receiver receiver =
        new Receiver(
            call ->
                switch (call) {
                  case 1 -> Status.UNAVAILABLE.withDescription("collector restarting");
                  case 2 -> Status.RESOURCE_EXHAUSTED;
                  default -> ExportTraceServiceResponse.getDefaultInstance();
                });
    OtlpGrpcExporter exporter = exporter(receiver.endpoint(), Map.of(), false, FAST);

    assertThat(exporter.export(spans(5)).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(receiver.calls.get()).isEqualTo(3);
    assertThat(receiver.spans()).isEqualTo(5);
  }

  @Test
  void aRejectionTheSpecificationDoesNotCallRetryableFailsAtOnce() throws Exception {
    Receiver receiver =
        new Receiver(call -> Status.INVALID_ARGUMENT.withDescription("bad request"));
    OtlpGrpcExporter exporter = exporter(receiver.endpoint(), Map.of(), false, FAST);

    CompletableResultCode result = exporter.export(spans(2)).join(10, TimeUnit.SECONDS);

    assertThat(result.isDone()).isTrue();
    assertThat(result.isSuccess()).isFalse();
    assertThat(receiver.calls.get()).isEqualTo(1);
  }

  @Test
  void aDeadCollectorFailsTheExportAfterItsAttemptsAndNeverBlocksTheCaller() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    OtlpGrpcExporter exporter =
        exporter(URI.create("http://127.0.0.1:" + port), Map.of(), false, FAST);

    long start = System.nanoTime();
    CompletableResultCode result = exporter.export(spans(3));
    long returnedAfter = System.nanoTime() - start;

    assertThat(result.join(10, TimeUnit.SECONDS).isSuccess()).isFalse();
    assertThat(result.isDone()).isTrue();
    // the call returns before the first connection attempt has failed, let alone the retries
    assertThat(returnedAfter).isLessThan(TimeUnit.SECONDS.toNanos(1));
    assertThat(exporter.export(List.of()).isSuccess()).isTrue();
  }

  @Test
  void aCollectorThatComesBackTakesTheNextBatchWithoutWaitingOutGrpcsReconnectBackoff()
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    OtlpGrpcExporter exporter =
        exporter(URI.create("http://127.0.0.1:" + port), Map.of(), false, FAST);
    // tried: two batches while nothing listens (each attempt refused), which puts grpc-java's
    // channel into its reconnect backoff (1 s, growing), then the collector starts on that port
    for (int i = 0; i < 2; i++) {
      assertThat(exporter.export(spans(1)).join(10, TimeUnit.SECONDS).isSuccess()).isFalse();
    }
    Receiver receiver = new Receiver(port, call -> ExportTraceServiceResponse.getDefaultInstance());

    // FAST's 4 attempts span well under grpc's backoff: only an immediate reconnect gets through
    assertThat(exporter.export(spans(6)).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(receiver.spans()).isEqualTo(6);
  }

  @Test
  void spansTheReceiverRejectsAreLoggedAsAWarning() throws Exception {
    Receiver receiver =
        new Receiver(
            call ->
                ExportTraceServiceResponse.newBuilder()
                    .setPartialSuccess(
                        ExportTracePartialSuccess.newBuilder()
                            .setRejectedSpans(3)
                            .setErrorMessage("span name too long"))
                    .build());
    List<LogRecord> logged =
        logged(
            () -> {
              OtlpGrpcExporter exporter = exporter(receiver.endpoint(), Map.of(), false, FAST);
              assertThat(exporter.export(spans(4)).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
            });
    assertThat(logged)
        .anySatisfy(
            r -> {
              assertThat(r.getParameters()).contains(3L, "span name too long");
            });
  }

  @Test
  void aDeadCollectorIsReportedOnceAMinuteNotOncePerBatch() throws Exception {
    Receiver receiver = new Receiver(call -> Status.INVALID_ARGUMENT);
    List<LogRecord> logged =
        logged(
            () -> {
              OtlpGrpcExporter exporter = exporter(receiver.endpoint(), Map.of(), false, FAST);
              for (int i = 0; i < 3; i++) {
                assertThat(exporter.export(spans(2)).join(10, TimeUnit.SECONDS).isSuccess())
                    .isFalse();
              }
            });
    assertThat(receiver.calls.get()).isEqualTo(3);
    assertThat(logged).hasSize(1);
    assertThat(logged.get(0).getParameters()).contains(1L, 2, "INVALID_ARGUMENT");
  }

  /** What the exporter logged while {@code body} ran. */
  private static List<LogRecord> logged(ThrowingRunnable body) throws Exception {
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    Logger log = Logger.getLogger(OtlpGrpcExporter.class.getName());
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logged.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    log.addHandler(handler);
    try {
      body.run();
    } finally {
      log.removeHandler(handler);
    }
    return logged;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void partialSuccessReadsOnlyWhatIsThereAndToleratesGarbage() {
    byte[] response =
        ExportTraceServiceResponse.newBuilder()
            .setPartialSuccess(
                ExportTracePartialSuccess.newBuilder().setRejectedSpans(300).setErrorMessage("ü"))
            .build()
            .toByteArray();
    assertThat(OtlpGrpcExporter.PartialSuccess.parse(response))
        .isEqualTo(new OtlpGrpcExporter.PartialSuccess(300, "ü"));
    assertThat(OtlpGrpcExporter.PartialSuccess.parse(new byte[0]).rejectedSpans()).isZero();
    // tried: a length past the end, a truncated varint, an unknown wire type
    for (byte[] garbage :
        new byte[][] {{0x0a, 0x7f, 0x08}, {0x0a, 0x02, 0x08, (byte) 0x80}, {0x0f, 0x00}}) {
      assertThat(OtlpGrpcExporter.PartialSuccess.parse(garbage).rejectedSpans()).isZero();
    }
  }

  @Test
  void settingsAreReadAsTheSdkReadsThem() {
    OtlpGrpcSettings s =
        OtlpGrpcSettings.from(
            DefaultConfigProperties.createFromMap(
                Map.of(
                    "otel.exporter.otlp.endpoint", "http://generic:4317",
                    "otel.exporter.otlp.traces.endpoint", "https://traces.example:4317",
                    "otel.exporter.otlp.headers", "Authorization=Bearer%20abc,x-b=2",
                    "otel.exporter.otlp.traces.timeout", "2500ms",
                    "otel.exporter.otlp.compression", "gzip",
                    "otel.java.exporter.otlp.retry.disabled", "true")));
    assertThat(s.endpoint()).isEqualTo(URI.create("https://traces.example:4317"));
    assertThat(s.headers()).containsEntry("authorization", "Bearer abc").containsEntry("x-b", "2");
    assertThat(s.timeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(s.gzip()).isTrue();
    assertThat(s.retry()).isFalse();

    OtlpGrpcSettings defaults =
        OtlpGrpcSettings.from(DefaultConfigProperties.createFromMap(Map.of()));
    assertThat(defaults.endpoint()).isEqualTo(URI.create("http://localhost:4317"));
    assertThat(defaults.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(defaults.retry()).isTrue();

    // another protocol stays with the SDK's exporter
    assertThat(
            OtlpGrpcSettings.from(
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.exporter.otlp.protocol", "http/protobuf"))))
        .isNull();
    assertThatThrownBy(
            () ->
                OtlpGrpcSettings.from(
                    DefaultConfigProperties.createFromMap(
                        Map.of("otel.exporter.otlp.compression", "zstd"))))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("gzip or none");
    assertThatThrownBy(
            () ->
                OtlpGrpcSettings.from(
                    DefaultConfigProperties.createFromMap(
                        Map.of("otel.exporter.otlp.endpoint", "collector:4317"))))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("http:// or https://");
  }
}
