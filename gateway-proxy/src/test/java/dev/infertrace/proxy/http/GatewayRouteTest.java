package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.admin.ProxyStats;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.epp.EppClient;
import dev.infertrace.proxy.epp.ExtProcStream;
import dev.infertrace.proxy.failure.Failure;
import dev.infertrace.proxy.failure.ProxyFailure;
import dev.infertrace.proxy.testing.RecordingExporter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import javax.annotation.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's handling of the EPP's answers, with the real OpenTelemetry SDK recording the
 * ext_proc span: what the exchange is told to do, and how the routing span ends.
 */
class GatewayRouteTest {
  private final RecordingExporter recorder = new RecordingExporter();
  private final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(recorder))
                  .build())
          .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
          .build();
  private final ProxyStats stats = new ProxyStats();
  private final List<String> told = new ArrayList<>();
  private final List<EppClient> clients = new ArrayList<>();
  private boolean over;

  @AfterEach
  void close() {
    clients.forEach(EppClient::close);
    sdk.close();
  }

  private final GatewayRoute.Decision exchange =
      new GatewayRoute.Decision() {
        @Override
        public boolean over() {
          return over;
        }

        @Override
        public void routeTo(URI destination, String endpoint, @Nullable ExtProcStream.Route route) {
          told.add("route " + destination);
        }

        @Override
        public void answer(int status, FullHttpResponse response) {
          told.add("answer " + status + " " + response.headers().get("x-request-id"));
          response.release();
        }

        @Override
        public void fail(Failure failure) {
          told.add("fail " + failure.errorType());
        }
      };

  private GatewayRoute route(EppClient.FailureMode mode) {
    EppClient epp =
        new EppClient(
            new InetSocketAddress("127.0.0.1", 9), // never dialled: answers are given directly
            List.of(new Endpoint("w1", "10.0.0.7", 8000)),
            mode,
            Duration.ofSeconds(1));
    clients.add(epp);
    ExchangeSpans spans = new ExchangeSpans(sdk, sdk.getTracer("test"), Role.INGRESS, null, null);
    spans.startServer(
        "POST", "/v1/chat/completions", new DefaultHttpHeaders(), "chat", null, "r1", 1);
    spans.startEppCall(epp.address(), new DefaultHttpHeaders(), new HashMap<>());
    return new GatewayRoute(
        epp,
        spans,
        stats,
        exchange,
        new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions"),
        true,
        "r1");
  }

  private SpanData eppSpan() {
    return recorder.spans.stream()
        .filter(s -> s.getName().equals(ExchangeSpans.EPP_SPAN))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void failingOpenSendsTheRequestToTheNextEndpointAndCountsTheFailure() {
    route(EppClient.FailureMode.OPEN)
        .onFailure(Failure.of(ProxyFailure.EPP_TIMEOUT, "no answer within 1000 ms"));

    assertThat(told).containsExactly("route http://10.0.0.7:8000");
    assertThat(stats.eppFailures()).isEqualTo(1);
    SpanData span = eppSpan();
    assertThat(span.getAttributes().get(AttributeKey.stringKey("llm.route.outcome")))
        .isEqualTo("fail_open");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type")))
        .isEqualTo("epp_timeout");
  }

  @Test
  void failingClosedFailsTheRequestWithTheEppsErrorType() {
    route(EppClient.FailureMode.CLOSED)
        .onFailure(
            new Failure(
                ProxyFailure.EPP_FAILED,
                ProxyFailure.eppStatus("PERMISSION_DENIED"),
                "EPP failed the stream"));

    assertThat(told).containsExactly("fail epp_permission_denied");
    assertThat(stats.eppFailures()).as("counted where the exchange ends").isZero();
    assertThat(eppSpan().getAttributes().get(AttributeKey.stringKey("llm.route.outcome")))
        .isEqualTo("error");
  }

  @Test
  void anImmediateResponseIsAnsweredWithTheRequestIdAndNamedByItsStatus() {
    route(EppClient.FailureMode.CLOSED)
        .onImmediate(429, java.util.Map.of("retry-after", "1"), "{}".getBytes());

    assertThat(told).containsExactly("answer 429 r1");
    assertThat(eppSpan().getAttributes().get(AttributeKey.stringKey("llm.route.outcome")))
        .isEqualTo("shed");
  }

  @Test
  void anAnswerAfterTheExchangeEndedIsDropped() {
    GatewayRoute route = route(EppClient.FailureMode.OPEN);
    over = true;

    route.onFailure(Failure.of(ProxyFailure.EPP_CLOSED, "closed"));
    route.onImmediate(503, java.util.Map.of(), new byte[0]);

    assertThat(told).isEmpty();
    assertThat(stats.eppFailures()).isZero();
  }

  @Test
  void aDestinationMustBeHostAndPort() {
    assertThat(GatewayRoute.destination("10.0.0.7:8000"))
        .isEqualTo(URI.create("http://10.0.0.7:8000"));
    assertThat(GatewayRoute.destination("[::1]:8000")).isEqualTo(URI.create("http://[::1]:8000"));
    assertThat(GatewayRoute.destination("10.0.0.7")).isNull();
    assertThat(GatewayRoute.destination("not a host:80")).isNull();
    assertThat(GatewayRoute.destination("")).isNull();
  }
}
