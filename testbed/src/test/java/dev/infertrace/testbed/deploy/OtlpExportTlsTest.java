package dev.infertrace.testbed.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.ProxyTelemetry;
import dev.infertrace.proxy.export.OtlpGrpcExporter;
import dev.infertrace.proxy.export.OtlpGrpcSettings;
import dev.infertrace.proxy.export.SpanQueue;
import io.grpc.Server;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.ClientAuth;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxies' OTLP/gRPC exporter, behind their span queue, over TLS to a receiver that requires a
 * client certificate (certificates made with the JDK's keytool): the trust and client identity come
 * from PEM files named as OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_KEY and _CLIENT_CERTIFICATE name
 * them.
 */
class OtlpExportTlsTest {
  @Test
  void spansGoOverMutualTlsWithTheConfiguredPemFilesAndNotWithoutThem(@TempDir Path dir)
      throws Exception {
    WebhookCertificates certs = WebhookCertificates.create(dir);
    Path ca = dir.resolve("ca.pem");
    Files.write(ca, certs.caPem());
    AtomicInteger spans = new AtomicInteger();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(
                GrpcSslContexts.forServer(certs.cert().toFile(), certs.key().toFile())
                    .trustManager(ca.toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .build())
            .addService(
                new TraceServiceGrpc.TraceServiceImplBase() {
                  @Override
                  public void export(
                      ExportTraceServiceRequest request,
                      StreamObserver<ExportTraceServiceResponse> response) {
                    request
                        .getResourceSpansList()
                        .forEach(
                            rs ->
                                rs.getScopeSpansList()
                                    .forEach(ss -> spans.addAndGet(ss.getSpansCount())));
                    response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                    response.onCompleted();
                  }
                })
            .build()
            .start();
    try {
      URI endpoint = URI.create("https://127.0.0.1:" + server.getPort());
      // the serving certificate doubles as the client's: the same CA signed it
      SpanQueue.Counts mutual =
          export(
              new OtlpGrpcSettings(
                  endpoint,
                  Map.of(),
                  Duration.ofSeconds(5),
                  false,
                  ca,
                  certs.key(),
                  certs.cert(),
                  false),
              7);
      assertThat(mutual.exported()).isEqualTo(7);
      assertThat(spans.get()).isEqualTo(7);

      // tried: the same receiver without a client certificate, then without trusting its CA
      for (OtlpGrpcSettings refused :
          List.of(
              new OtlpGrpcSettings(
                  endpoint, Map.of(), Duration.ofSeconds(5), false, ca, null, null, false),
              new OtlpGrpcSettings(
                  endpoint,
                  Map.of(),
                  Duration.ofSeconds(5),
                  false,
                  null,
                  certs.key(),
                  certs.cert(),
                  false))) {
        SpanQueue.Counts counts = export(refused, 1);
        assertThat(counts.exportFailed()).as("%s", refused).isEqualTo(1);
      }
      assertThat(spans.get()).isEqualTo(7);
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** {@code n} spans through the proxies' own queue and this exporter; its counts after a flush. */
  private static SpanQueue.Counts export(OtlpGrpcSettings settings, int n) throws Exception {
    ProxyTelemetry.Telemetry telemetry =
        ProxyTelemetry.Telemetry.of("tls-test", SpanQueue.builder(new OtlpGrpcExporter(settings)));
    try {
      Tracer tracer = telemetry.sdk().getTracer("test");
      for (int i = 0; i < n; i++) {
        tracer.spanBuilder("s" + i).startSpan().end();
      }
      telemetry.spans().forceFlush().join(20, TimeUnit.SECONDS);
      return telemetry.spans().counts();
    } finally {
      telemetry.sdk().shutdown().join(20, TimeUnit.SECONDS);
    }
  }
}
