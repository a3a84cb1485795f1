package dev.infertrace.testbed.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.concurrent.TimeUnit;

/** Emits a small LLM-shaped trace (server span + child phase span) with the real OTel SDK. */
final class SmokeSpans {
  static final String SERVICE_NAME = "infertrace-smoke";
  static final String ROOT_SPAN = "chat smoke-model";
  static final String CHILD_SPAN = "llm.decode";

  private SmokeSpans() {}

  /** Exports one trace through {@code exporter} and returns the root span's context. */
  static SpanContext emit(SpanExporter exporter) {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.of(AttributeKey.stringKey("service.name"), SERVICE_NAME))))
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
            .build();
    try {
      Tracer tracer = provider.get("dev.infertrace.smoke");
      Span root =
          tracer
              .spanBuilder(ROOT_SPAN)
              .setSpanKind(SpanKind.SERVER)
              .setAttribute("gen_ai.operation.name", "chat")
              .setAttribute("gen_ai.request.model", "smoke-model")
              .startSpan();
      try (Scope ignored = root.makeCurrent()) {
        tracer
            .spanBuilder(CHILD_SPAN)
            .setAttribute("llm.phase.source", "stream")
            .setAttribute("dcgm.sm_clock", 1980L)
            .startSpan()
            .end();
      } finally {
        root.end();
      }
      CompletableResultCode flushed = provider.forceFlush().join(15, TimeUnit.SECONDS);
      assertThat(flushed.isSuccess()).as("OTLP export succeeded").isTrue();
      return root.getSpanContext();
    } finally {
      provider.shutdown().join(5, TimeUnit.SECONDS);
    }
  }
}
