package dev.infertrace.testbed.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OtlpSinkTest {
  private OtlpSink sink;

  @BeforeEach
  void start() throws Exception {
    sink = OtlpSink.start();
  }

  @AfterEach
  void stop() {
    sink.close();
    sink.close(); // idempotent
  }

  private static CompletableResultCode send(SpanExporter exporter, String name) {
    CompletableResultCode[] result = new CompletableResultCode[1];
    SpanExporter recording =
        new SpanExporter() {
          @Override
          public CompletableResultCode export(
              java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
            result[0] = exporter.export(spans);
            return result[0];
          }

          @Override
          public CompletableResultCode flush() {
            return exporter.flush();
          }

          @Override
          public CompletableResultCode shutdown() {
            return exporter.shutdown();
          }
        };
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(Resource.builder().put("service.name", "sink-test").build())
            .addSpanProcessor(SimpleSpanProcessor.create(recording))
            .build();
    Span span = provider.get("test").spanBuilder(name).setAttribute("answer", 42L).startSpan();
    span.end();
    result[0].join(10, TimeUnit.SECONDS);
    provider.shutdown().join(10, TimeUnit.SECONDS);
    return result[0];
  }

  @Test
  void receivesSpansFromTheSdkOverGrpc() {
    CompletableResultCode result =
        send(OtlpGrpcSpanExporter.builder().setEndpoint(sink.grpcEndpoint()).build(), "over-grpc");

    assertThat(result.isSuccess()).isTrue();
    ReceivedSpan span =
        sink.awaitSpans(s -> s.name().equals("over-grpc"), 1, Duration.ofSeconds(5)).get(0);
    assertThat(span.transport()).isEqualTo("grpc");
    assertThat(span.serviceName()).isEqualTo("sink-test");
    assertThat(span.attribute("answer")).isEqualTo(42L);
    assertThat(span.traceId()).hasSize(32);
    assertThat(span.parentSpanId()).isEmpty();
  }

  @Test
  void aCountingSinkCountsWhatArrivesAndKeepsNothing() throws Exception {
    try (OtlpSink counting = OtlpSink.counting()) {
      for (int i = 0; i < 3; i++) {
        assertThat(
                send(
                        OtlpGrpcSpanExporter.builder().setEndpoint(counting.grpcEndpoint()).build(),
                        "counted")
                    .isSuccess())
            .isTrue();
      }
      send(
          OtlpHttpSpanExporter.builder()
              .setEndpoint(counting.httpEndpoint() + "/v1/traces")
              .build(),
          "counted");
      assertThat(counting.spanCount()).isEqualTo(4);
      assertThat(counting.received()).isEqualTo(4);
      assertThat(counting.spans()).isEmpty();
    }
    // the keeping sink counts too
    send(OtlpGrpcSpanExporter.builder().setEndpoint(sink.grpcEndpoint()).build(), "kept");
    assertThat(sink.spanCount()).isEqualTo(1);
    assertThat(sink.spans()).hasSize(1);
  }

  @Test
  void receivesSpansOverHttpPlainAndGzipped() {
    String url = sink.httpEndpoint() + "/v1/traces";
    send(OtlpHttpSpanExporter.builder().setEndpoint(url).build(), "plain");
    send(OtlpHttpSpanExporter.builder().setEndpoint(url).setCompression("gzip").build(), "gzipped");

    assertThat(sink.awaitSpans(s -> s.transport().equals("http"), 2, Duration.ofSeconds(5)))
        .extracting(ReceivedSpan::name)
        .containsExactlyInAnyOrder("plain", "gzipped");
    assertThat(sink.received()).isEqualTo(2);
  }

  @Test
  void answersAMalformedBodyWith400AndKeepsNothing() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(sink.httpEndpoint() + "/v1/traces"))
                    .header("Content-Type", "application/x-protobuf")
                    .POST(
                        HttpRequest.BodyPublishers.ofByteArray(
                            new byte[] {(byte) 0xff, 0x01, 0x02}))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> json =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(sink.httpEndpoint() + "/v1/traces"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).startsWith("malformed OTLP protobuf");
    assertThat(json.statusCode()).isEqualTo(415);
    assertThat(sink.spans()).isEmpty();
    assertThat(sink.rejected()).isEqualTo(2);
  }

  @Test
  void refusesExportsWhileRejectingSoExportersSeeAFailure() {
    sink.setRejecting(true);

    CompletableResultCode grpc =
        send(
            OtlpGrpcSpanExporter.builder()
                .setEndpoint(sink.grpcEndpoint())
                .setTimeout(Duration.ofSeconds(2))
                .build(),
            "refused");
    CompletableResultCode http =
        send(
            OtlpHttpSpanExporter.builder()
                .setEndpoint(sink.httpEndpoint() + "/v1/traces")
                .setTimeout(Duration.ofSeconds(2))
                .build(),
            "refused");

    assertThat(grpc.isSuccess()).isFalse();
    assertThat(http.isSuccess()).isFalse();
    assertThat(sink.spans()).isEmpty();
    assertThat(sink.rejected()).isGreaterThanOrEqualTo(2);
  }
}
