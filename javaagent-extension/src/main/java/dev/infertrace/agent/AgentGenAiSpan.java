package dev.infertrace.agent;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import javax.annotation.Nullable;

/**
 * The GenAI span another instrumentation already opened for this call — the agent's openai-java
 * instrumentation wraps the SDK's chat service in one ({@code chat m1}, INTERNAL) and sends the
 * HTTP request inside it. Recognised by what it says about itself: a recording span, not ended,
 * with {@code gen_ai.operation.name}. The agent's SDK spans are read through {@code
 * io.opentelemetry.sdk.trace.ReadableSpan}, found reflectively in the span's own class loader (the
 * helpers that call this live in the application's class loader, which cannot see the agent's SDK);
 * anything else is not recognised, and the call gets its own span.
 */
final class AgentGenAiSpan {
  private static final AttributeKey<String> OPERATION =
      AttributeKey.stringKey(dev.infertrace.core.schema.LlmAttributes.OPERATION_NAME);

  final Span span;

  /** When the span started, on {@link System#nanoTime()}'s clock. */
  final long startNanos;

  private AgentGenAiSpan(Span span, long startNanos) {
    this.span = span;
    this.startNanos = startNanos;
  }

  /** The enclosing GenAI span in {@code context}, or null. */
  @Nullable
  static AgentGenAiSpan in(Context context) {
    Span span = Span.fromContextOrNull(context);
    if (span == null || !span.isRecording()) {
      return null;
    }
    try {
      Class<?> readable = readable(span);
      if (readable == null
          || readable.getMethod("getAttribute", AttributeKey.class).invoke(span, OPERATION) == null
          || (Boolean) readable.getMethod("hasEnded").invoke(span)) {
        return null;
      }
      return new AgentGenAiSpan(span, startNanos(span, System.nanoTime()));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null; // an SDK we cannot read: the call gets its own span
    }
  }

  /**
   * When {@code span} started, on {@link System#nanoTime()}'s clock, read from the span itself so
   * that latencies counted from it line up with its start time; {@code fallback} when the span
   * cannot be read.
   */
  static long startNanos(Span span, long fallback) {
    try {
      Class<?> readable = readable(span);
      if (readable == null) {
        return fallback;
      }
      long now = System.nanoTime();
      return now - (Long) readable.getMethod("getLatencyNanos").invoke(span);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return fallback;
    }
  }

  @Nullable
  private static Class<?> readable(Span span) throws ClassNotFoundException {
    Class<?> readable =
        Class.forName(
            "io.opentelemetry.sdk.trace.ReadableSpan", false, span.getClass().getClassLoader());
    return readable.isInstance(span) ? readable : null;
  }
}
