package dev.infertrace.jmh;

import dev.infertrace.core.schema.LlmAttributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import java.util.List;

/** The SERVER span of a streamed chat request with the proxy's usual 20 attributes. */
public final class ChatSpan {
  private ChatSpan() {}

  /** Starts the span, sets its request and response attributes, and ends it. */
  public static Span record(Tracer tracer, String responseId) {
    Span s =
        tracer
            .spanBuilder("chat llama-3.1-8b")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("http.request.method", "POST")
            .setAttribute("url.path", "/v1/chat/completions")
            .setAttribute("infertrace.role", "ingress")
            .setAttribute(LlmAttributes.REQUEST_ID, "5b0c7a3e-2b7d-4d43-9f1e-3f0e8b9f2a11")
            .setAttribute(LlmAttributes.OPERATION_NAME, "chat")
            .setAttribute(LlmAttributes.PROVIDER_NAME, "vllm")
            .setAttribute(LlmAttributes.REQUEST_MODEL, "llama-3.1-8b")
            .setAttribute(AttributeKey.booleanKey(LlmAttributes.REQUEST_STREAM), true)
            .setAttribute(LlmAttributes.REQUEST_MAX_TOKENS, 256L)
            .startSpan();
    s.setAttribute("http.response.status_code", 200L);
    s.setAttribute(LlmAttributes.RESPONSE_ID, responseId);
    s.setAttribute(LlmAttributes.RESPONSE_MODEL, "llama-3.1-8b");
    s.setAttribute(
        AttributeKey.stringArrayKey(LlmAttributes.RESPONSE_FINISH_REASONS), List.of("stop"));
    s.setAttribute(LlmAttributes.USAGE_INPUT_TOKENS, 41L);
    s.setAttribute(LlmAttributes.USAGE_OUTPUT_TOKENS, 256L);
    s.setAttribute(LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN, 0.083);
    s.setAttribute(LlmAttributes.LATENCY_TIME_PER_OUTPUT_TOKEN, 0.021);
    s.setAttribute(LlmAttributes.LATENCY_ITL_P50, 0.020);
    s.setAttribute(LlmAttributes.LATENCY_ITL_P99, 0.031);
    s.setAttribute(LlmAttributes.LATENCY_E2E, 5.44);
    s.end();
    return s;
  }
}
