package dev.infertrace.proxy.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The failure kinds and the OpenAI-form answers made from them. */
class ProxyFailureTest {
  @Test
  void everyKindHasItsOwnErrorTypeAnErrorStatusAndAKnownMetricLabel() {
    Set<String> types =
        Arrays.stream(ProxyFailure.values())
            .map(ProxyFailure::errorType)
            .collect(Collectors.toSet());
    assertThat(types).hasSize(ProxyFailure.values().length);
    for (ProxyFailure f : ProxyFailure.values()) {
      assertThat(f.status()).as(f.name()).isBetween(400, 599);
      assertThat(f.metricLabel())
          .as(f.name())
          .isIn(
              "upstream_unavailable",
              "upstream_timeout",
              "upstream_reset",
              "upstream_invalid_response",
              "stream_idle_timeout",
              "request_timeout",
              "invalid_request",
              "epp_failure");
    }
  }

  @Test
  void anEppStatusIsNamedAfterItsGrpcCode() {
    assertThat(ProxyFailure.eppStatus("RESOURCE_EXHAUSTED")).isEqualTo("epp_resource_exhausted");
  }

  @Test
  void theAnswerIsTheOpenAiErrorObjectWithTheKindsStatusAndAnEscapedMessage() {
    FullHttpResponse r =
        OpenAiErrors.response(
            ByteBufAllocator.DEFAULT,
            Failure.of(ProxyFailure.UPSTREAM_TIMEOUT, "upstream \"w1\"\nsent nothing"));

    assertThat(r.status()).isEqualTo(HttpResponseStatus.GATEWAY_TIMEOUT);
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    assertThat(r.content().toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"error\":{\"message\":\"upstream \\\"w1\\\" sent nothing\","
                + "\"type\":\"upstream_timeout\",\"param\":null,\"code\":504}}");
    assertThat(r.headers().getInt("content-length")).isEqualTo(r.content().readableBytes());
    r.release();
  }

  @Test
  void aKindCanBeAnsweredWithAFinerStatus() {
    FullHttpResponse r =
        OpenAiErrors.response(
            ByteBufAllocator.DEFAULT,
            HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            Failure.of(ProxyFailure.INVALID_REQUEST, "headers too large"));

    assertThat(r.status().code()).isEqualTo(431);
    assertThat(r.content().toString(StandardCharsets.UTF_8))
        .contains("\"type\":\"invalid_request\"", "\"code\":431");
    r.release();
  }
}
