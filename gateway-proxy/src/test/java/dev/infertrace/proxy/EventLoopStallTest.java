package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.testing.RecordingExporter;
import io.netty.util.concurrent.EventExecutor;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The ingress's event loop held for 400 ms while a request waits for its upstream (what a blocking
 * call on the loop or a long pause does): the request's SERVER span says the loop stood still that
 * long, so that {@code explain} can blame the proxy rather than the segment the time fell into. A
 * request with no stall carries no such figure.
 */
class EventLoopStallTest {
  private static final AttributeKey<Double> STALLED =
      AttributeKey.doubleKey(LlmAttributes.EVENT_LOOP_STALLED);
  private static final AttributeKey<Double> DELAY_END =
      AttributeKey.doubleKey(LlmAttributes.EVENT_LOOP_DELAY_END);
  private static final AttributeKey<Double> STALLED_BEFORE_READ =
      AttributeKey.doubleKey(LlmAttributes.EVENT_LOOP_STALLED_BEFORE_READ);
  private static final AttributeKey<Double> DELAY_REQUEST =
      AttributeKey.doubleKey(LlmAttributes.EVENT_LOOP_DELAY_REQUEST);

  @Test
  void aStallWhileTheRequestIsInTheProxyIsOnItsServerSpan() throws Exception {
    CountDownLatch upstreamHasIt = new CountDownLatch(2);
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          if (ex.getRequestURI().getPath().equals("/late")) {
            upstreamHasIt.countDown();
            sleep(200);
          }
          if (ex.getRequestURI().getPath().equals("/slow")) {
            upstreamHasIt.countDown();
            try {
              Thread.sleep(600);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    upstream.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    upstream.start();
    RecordingExporter exporter = new RecordingExporter();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .build();
    HttpClient http = HttpClient.newHttpClient();
    try (ProxyRuntime ingress =
        ProxyRuntime.builder(
                ProxyConfig.loopback(
                    Role.INGRESS,
                    List.of(URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()))))
            .openTelemetry(sdk)
            .start()) {
      for (int i = 0; i < 5; i++) { // the first requests load the proxy's classes, on its loop
        http.send(
            HttpRequest.newBuilder(URI.create(ingress.baseUrl() + "/warm")).build(),
            HttpResponse.BodyHandlers.ofString());
      }
      HttpResponse<String> quiet =
          http.send(
              HttpRequest.newBuilder(URI.create(ingress.baseUrl() + "/quiet")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(quiet.statusCode()).isEqualTo(200);

      var slow =
          http.sendAsync(
              HttpRequest.newBuilder(URI.create(ingress.baseUrl() + "/slow")).build(),
              HttpResponse.BodyHandlers.ofString());
      var late =
          http.sendAsync(
              HttpRequest.newBuilder(URI.create(ingress.baseUrl() + "/late")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(upstreamHasIt.await(10, TimeUnit.SECONDS)).isTrue();
      for (EventExecutor loop : ingress.server().eventLoops()) {
        loop.execute(() -> sleep(400)); // every loop: whichever carries the request
      }
      assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(late.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

      // A request that arrives while the loops are held: the span starts when the loop reads it,
      // and says how long the loop had been standing still by then.
      for (EventExecutor loop : ingress.server().eventLoops()) {
        loop.execute(() -> sleep(400));
      }
      Thread.sleep(50);
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(ingress.baseUrl() + "/arrived")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);

      // A request held on its way upstream: its head and half its body came in, the loops were
      // held, the rest of the body came in during the hold; the proxy could forward it (it reads a
      // chat request whole, for its model) only once the loop ran again.
      byte[] body =
          "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
              .getBytes(StandardCharsets.US_ASCII);
      URI base = URI.create(ingress.baseUrl());
      try (Socket socket = new Socket(base.getHost(), base.getPort())) {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                    + "\r\nContent-Length: "
                    + body.length
                    + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, 10);
        out.flush();
        Thread.sleep(100); // the loop reads the head: the span starts
        for (EventExecutor loop : ingress.server().eventLoops()) {
          loop.execute(() -> sleep(400));
        }
        Thread.sleep(50);
        out.write(body, 10, body.length - 10);
        out.flush();
        String response =
            new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(response).startsWith("HTTP/1.1 200");
      }
    } finally {
      upstream.stop(0);
      sdk.close();
    }
    // /late's answer came 200 ms into the 400 ms stall: its end was held about 200 ms. /slow's came
    // after the stall: held by none.
    SpanData late = server(exporter, "/late");
    assertThat(late.getAttributes().get(DELAY_END))
        .as("%s", late.getAttributes())
        .isNotNull()
        .isGreaterThanOrEqualTo(0.1);
    assertThat(slow(exporter).getAttributes().get(DELAY_END)).isNull();
    SpanData arrived = server(exporter, "/arrived");
    assertThat(arrived.getAttributes().get(STALLED_BEFORE_READ))
        .as("%s", arrived.getAttributes())
        .isNotNull()
        .isGreaterThanOrEqualTo(0.3);
    assertThat(slow(exporter).getAttributes().get(STALLED_BEFORE_READ))
        .as("the slow request was read before its stall")
        .isNull();
    SpanData onItsWay = server(exporter, "/v1/chat/completions");
    assertThat(onItsWay.getAttributes().get(DELAY_REQUEST))
        .as("%s", onItsWay.getAttributes())
        .isNotNull()
        .isGreaterThanOrEqualTo(0.3);
    assertThat(onItsWay.getAttributes().get(STALLED_BEFORE_READ))
        .as("the head was read before the stall")
        .isNull();
    assertThat(slow(exporter).getAttributes().get(DELAY_REQUEST))
        .as("the slow request was upstream when its stall came")
        .isNull();
    SpanData quiet = server(exporter, "/quiet");
    SpanData slow = slow(exporter);
    Double stalled = slow.getAttributes().get(STALLED);
    assertThat(stalled).as("the slow request's span: %s", slow.getAttributes()).isNotNull();
    assertThat(stalled).isBetween(0.35, slow.getEndEpochNanos() / 1e9);
    // The quiet request ran with no one holding the loop (a busy machine may still delay a tick by
    // tens of milliseconds: not a stall of this size).
    Double none = quiet.getAttributes().get(STALLED);
    assertThat(none == null ? 0 : none).as("%s", quiet.getAttributes()).isLessThan(0.2);
  }

  private static SpanData slow(RecordingExporter exporter) {
    return server(exporter, "/slow");
  }

  private static SpanData server(RecordingExporter exporter, String path) {
    return exporter.spans.stream()
        .filter(s -> s.getKind() == SpanKind.SERVER)
        .filter(s -> path.equals(s.getAttributes().get(AttributeKey.stringKey("url.path"))))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no SERVER span for " + path + ": " + exporter.spans));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
