package dev.infertrace.proxy.export;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.infertrace.proxy.engine.EnginePhases;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;

/**
 * What the OTLP receivers do with an export from vLLM — any bytes, or a well-formed request with
 * any span contents: matched against the pending requests, relayed, and written as the trace file's
 * JSON line. Nothing throws. See src/docs/fuzzing.md for the long run.
 */
class OtlpFuzzTest {
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "otlp-fuzz-timer");
            t.setDaemon(true);
            return t;
          });

  /** Writes what is relayed as the trace file would, and drops it. */
  private static final SpanExporter AS_JSON_LINES =
      SpanExporters.of(
          spans -> {
            try {
              OtlpJsonFileExporter.toJsonLine(spans);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            return CompletableResultCode.ofSuccess();
          });

  private static final EnginePhases ENGINE =
      new EnginePhases(
          OpenTelemetry.noop().getTracer("fuzz"),
          AS_JSON_LINES,
          Duration.ofMillis(50),
          64,
          null,
          TIMER);

  @AfterAll
  static void stop() {
    TIMER.shutdownNow();
  }

  @FuzzTest(maxDuration = "5s")
  void anyExport(FuzzedDataProvider data) {
    ExportTraceServiceRequest request;
    if (data.consumeBoolean()) {
      try {
        request = ExportTraceServiceRequest.parseFrom(data.consumeRemainingAsBytes());
      } catch (InvalidProtocolBufferException e) {
        return; // the receivers answer 400 / INVALID_ARGUMENT
      }
    } else {
      request = wellFormed(data);
    }
    ENGINE.accept(request, "http");
  }

  private static ExportTraceServiceRequest wellFormed(FuzzedDataProvider data) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    int spans = data.consumeInt(0, 4);
    for (int i = 0; i < spans; i++) {
      Span.Builder span =
          Span.newBuilder()
              .setTraceId(ByteString.copyFrom(data.consumeBytes(data.consumeInt(0, 17))))
              .setSpanId(ByteString.copyFrom(data.consumeBytes(data.consumeInt(0, 9))))
              .setParentSpanId(ByteString.copyFrom(data.consumeBytes(data.consumeInt(0, 9))))
              .setName(data.consumeBoolean() ? "llm_request" : data.consumeString(16))
              .setKindValue(data.consumeInt(-1, 6))
              .setStartTimeUnixNano(data.consumeLong())
              .setEndTimeUnixNano(data.consumeLong())
              .setStatus(
                  Status.newBuilder()
                      .setCodeValue(data.consumeInt(-1, 3))
                      .setMessage(data.consumeString(16)));
      int attributes = data.consumeInt(0, 6);
      for (int a = 0; a < attributes; a++) {
        span.addAttributes(attribute(data));
      }
      if (data.consumeBoolean()) {
        span.addEventsBuilder()
            .setName(data.consumeString(8))
            .setTimeUnixNano(data.consumeLong())
            .addAttributes(attribute(data));
      }
      if (data.consumeBoolean()) {
        span.addLinksBuilder()
            .setTraceId(ByteString.copyFrom(data.consumeBytes(16)))
            .setSpanId(ByteString.copyFrom(data.consumeBytes(8)))
            .addAttributes(attribute(data));
      }
      scope.addSpans(span);
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope))
        .build();
  }

  private static KeyValue attribute(FuzzedDataProvider data) {
    String key =
        switch (data.consumeInt(0, 5)) {
          case 0 -> "gen_ai.request.id";
          case 1 -> "gen_ai.latency.time_to_first_token";
          case 2 -> "gen_ai.latency.time_in_queue";
          case 3 -> "gen_ai.latency.time_in_model_prefill";
          case 4 -> "gen_ai.latency.time_in_model_decode";
          default -> data.consumeString(16);
        };
    AnyValue.Builder value = AnyValue.newBuilder();
    switch (data.consumeInt(0, 5)) {
      case 0 -> value.setStringValue(data.consumeString(32));
      case 1 -> value.setDoubleValue(data.consumeDouble());
      case 2 -> value.setIntValue(data.consumeLong());
      case 3 -> value.setBoolValue(data.consumeBoolean());
      case 4 ->
          value
              .getArrayValueBuilder()
              .addValues(AnyValue.newBuilder().setIntValue(data.consumeInt()));
      default -> value.setBytesValue(ByteString.copyFrom(data.consumeBytes(8)));
    }
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }
}
