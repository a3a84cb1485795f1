package dev.infertrace.proxy.http;

import static io.opentelemetry.api.common.AttributeKey.booleanKey;
import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.core.stream.ResponseAttributes;
import io.opentelemetry.api.common.AttributeKey;
import java.util.Arrays;
import java.util.List;

/**
 * The typed keys of the attributes set on every proxied request's spans, made once. A span's {@code
 * setAttribute(String, …)} makes a new key per call, and the OTLP exporter encodes each key
 * instance's name to UTF-8 again; a shared key caches that encoding for the life of the process.
 */
final class SpanKeys {
  private SpanKeys() {}

  static final AttributeKey<String> OPERATION_NAME = stringKey(LlmAttributes.OPERATION_NAME);
  static final AttributeKey<String> PROVIDER_NAME = stringKey(LlmAttributes.PROVIDER_NAME);
  static final AttributeKey<String> REQUEST_MODEL = stringKey(LlmAttributes.REQUEST_MODEL);
  static final AttributeKey<Long> REQUEST_MAX_TOKENS = longKey(LlmAttributes.REQUEST_MAX_TOKENS);
  static final AttributeKey<Boolean> REQUEST_STREAM = booleanKey(LlmAttributes.REQUEST_STREAM);
  static final AttributeKey<Long> REQUEST_CHOICE_COUNT =
      longKey(LlmAttributes.REQUEST_CHOICE_COUNT);
  static final AttributeKey<Long> REQUEST_MESSAGES = longKey(LlmAttributes.REQUEST_MESSAGES);
  static final AttributeKey<Long> REQUEST_PROMPT_CHARS =
      longKey(LlmAttributes.REQUEST_PROMPT_CHARS);
  static final AttributeKey<Long> REQUEST_BODY_SIZE = longKey(LlmAttributes.REQUEST_BODY_SIZE);
  static final AttributeKey<String> REQUEST_ID = stringKey(LlmAttributes.REQUEST_ID);

  static final AttributeKey<Double> LATENCY_TIME_TO_FIRST_TOKEN =
      doubleKey(LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN);
  static final AttributeKey<Double> LATENCY_E2E = doubleKey(LlmAttributes.LATENCY_E2E);

  static final AttributeKey<Boolean> CANCELLED = booleanKey(LlmAttributes.CANCELLED);
  static final AttributeKey<Double> SLO_TTFT = doubleKey(LlmAttributes.SLO_TTFT);
  static final AttributeKey<Double> SLO_TPOT = doubleKey(LlmAttributes.SLO_TPOT);
  static final AttributeKey<Boolean> SLO_MET = booleanKey(LlmAttributes.SLO_MET);
  static final AttributeKey<String> UPSTREAM = stringKey(LlmAttributes.UPSTREAM);
  static final AttributeKey<String> ROLE = stringKey(LlmAttributes.ROLE);
  static final AttributeKey<Double> EVENT_LOOP_STALLED =
      doubleKey(LlmAttributes.EVENT_LOOP_STALLED);
  static final AttributeKey<Double> EVENT_LOOP_STALLED_BEFORE_READ =
      doubleKey(LlmAttributes.EVENT_LOOP_STALLED_BEFORE_READ);
  static final AttributeKey<Double> EVENT_LOOP_DELAY_REQUEST =
      doubleKey(LlmAttributes.EVENT_LOOP_DELAY_REQUEST);
  static final AttributeKey<Double> EVENT_LOOP_DELAY_FIRST_TOKEN =
      doubleKey(LlmAttributes.EVENT_LOOP_DELAY_FIRST_TOKEN);
  static final AttributeKey<Double> EVENT_LOOP_DELAY_END =
      doubleKey(LlmAttributes.EVENT_LOOP_DELAY_END);
  static final AttributeKey<String> ROUTE_ENDPOINT = stringKey(LlmAttributes.ROUTE_ENDPOINT);
  static final AttributeKey<String> ROUTE_OUTCOME = stringKey(LlmAttributes.ROUTE_OUTCOME);

  static final AttributeKey<Double> SEGMENT_REQUEST_READ =
      doubleKey(LlmAttributes.SEGMENT_REQUEST_READ);
  static final AttributeKey<Double> SEGMENT_ROUTE = doubleKey(LlmAttributes.SEGMENT_ROUTE);
  static final AttributeKey<Double> SEGMENT_CONNECT = doubleKey(LlmAttributes.SEGMENT_CONNECT);
  static final AttributeKey<Double> SEGMENT_UPSTREAM_HEAD =
      doubleKey(LlmAttributes.SEGMENT_UPSTREAM_HEAD);
  static final AttributeKey<Double> SEGMENT_EPP_RESPONSE =
      doubleKey(LlmAttributes.SEGMENT_EPP_RESPONSE);
  static final AttributeKey<Double> SEGMENT_RELAY = doubleKey(LlmAttributes.SEGMENT_RELAY);
  static final AttributeKey<Double> SEGMENT_CLIENT_SLOW_READ =
      doubleKey(LlmAttributes.SEGMENT_CLIENT_SLOW_READ);

  static final AttributeKey<String> VERDICT = stringKey(LlmAttributes.VERDICT);
  static final AttributeKey<String> VERDICT_EVIDENCE = stringKey(LlmAttributes.VERDICT_EVIDENCE);

  static final AttributeKey<String> HTTP_METHOD = stringKey(LlmAttributes.HTTP_METHOD);
  static final AttributeKey<Long> HTTP_STATUS = longKey(LlmAttributes.HTTP_STATUS);
  static final AttributeKey<String> URL_PATH = stringKey(LlmAttributes.URL_PATH);
  static final AttributeKey<String> SERVER_ADDRESS = stringKey(LlmAttributes.SERVER_ADDRESS);
  static final AttributeKey<Long> SERVER_PORT = longKey(LlmAttributes.SERVER_PORT);
  static final AttributeKey<String> ERROR_TYPE = stringKey(LlmAttributes.ERROR_TYPE);

  /** The keys of core's {@link ResponseAttributes}, by {@link ResponseAttributes.Key} ordinal. */
  static final List<AttributeKey<Object>> RESPONSE =
      Arrays.stream(ResponseAttributes.Key.values()).map(SpanKeys::of).toList();

  @SuppressWarnings("unchecked")
  private static AttributeKey<Object> of(ResponseAttributes.Key k) {
    return (AttributeKey<Object>)
        switch (k.type) {
          case STRING -> stringKey(k.attribute);
          case STRING_ARRAY -> AttributeKey.stringArrayKey(k.attribute);
          case LONG -> longKey(k.attribute);
          case DOUBLE -> doubleKey(k.attribute);
          case BOOLEAN -> booleanKey(k.attribute);
        };
  }
}
