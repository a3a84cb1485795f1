package dev.infertrace.proxy.engine;

import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.core.schema.SpanNames;
import dev.infertrace.proxy.state.WorkerState;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;

/** The worker's phase spans, exact or stream-measured, made one way whoever makes them. */
public final class PhaseSpans {
  private PhaseSpans() {}

  /** The stream-measured phases: forwarded → first token → last token. */
  public static void measured(
      Tracer tracer,
      Span server,
      @Nullable WorkerState state,
      long forwarded,
      long firstToken,
      long lastToken) {
    emit(
        tracer,
        server,
        state,
        SpanNames.FIRST_TOKEN_WAIT,
        forwarded,
        firstToken,
        LlmAttributes.SOURCE_STREAM);
    emit(
        tracer,
        server,
        state,
        SpanNames.DECODE,
        firstToken,
        lastToken,
        LlmAttributes.SOURCE_STREAM);
  }

  /** One phase span under {@code server}, with the engine and GPU state over its window. */
  static void emit(
      Tracer tracer,
      Span server,
      @Nullable WorkerState state,
      String name,
      long start,
      long end,
      String source) {
    long stop = Math.max(start, end);
    Span phase =
        tracer
            .spanBuilder(name)
            .setParent(Context.root().with(server))
            .setSpanKind(SpanKind.INTERNAL)
            .setStartTimestamp(start, TimeUnit.NANOSECONDS)
            .setAttribute(LlmAttributes.PHASE_SOURCE, source)
            .startSpan();
    if (state != null) {
      state.onPhase(phase, start, stop);
    }
    phase.end(stop, TimeUnit.NANOSECONDS);
  }
}
