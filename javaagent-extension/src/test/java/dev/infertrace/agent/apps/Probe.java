package dev.infertrace.agent.apps;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * What an application saw of one LLM call, printed for the test as one line: {@code RESULT mode=M
 * trace=T span=S first=N gaps=a,b usage=IN/OUT error=E}. The call runs inside a root span of the
 * application's ({@code app M}, through the OpenTelemetry API the agent bridges), so the test can
 * check the GenAI span's parent; {@code first} is the nanoseconds from that span's start to the
 * first chunk that carried text, {@code gaps} the nanoseconds between such chunks, as the
 * application got them.
 */
public final class Probe {
  /** The API key every app sends: it must appear in no span. */
  public static final String API_KEY = "sk-infertrace-test-7f3a9c";

  private final String mode;
  private final Span span;
  private final long startNanos;
  private final List<Long> chunks = new ArrayList<>();
  private long inputTokens = -1;
  private long outputTokens = -1;
  private String error = "";

  private Probe(String mode) {
    this.mode = mode;
    this.span = GlobalOpenTelemetry.getTracer("app").spanBuilder("app " + mode).startSpan();
    this.startNanos = System.nanoTime();
  }

  /** Runs {@code call} as mode {@code mode} inside its own application span; prints the result. */
  public static void run(String mode, Callable<?> call) {
    Probe p = new Probe(mode);
    current = p;
    try (Scope ignored = p.span.makeCurrent()) {
      call.call();
    } catch (Throwable t) {
      Throwable root = t;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      p.error = root.getClass().getName();
      t.printStackTrace(System.out); // for the test's failure message
    } finally {
      current = null;
      p.span.end();
      p.print();
    }
  }

  private static volatile Probe current;

  /** The current call got a chunk; {@code text} is what it carried (null or empty: none). */
  public static void chunk(String text) {
    if (text != null && !text.isEmpty()) {
      Probe p = current;
      synchronized (p) {
        p.chunks.add(System.nanoTime());
      }
    }
  }

  /** The usage the client reported. */
  public static void usage(long input, long output) {
    current.inputTokens = input;
    current.outputTokens = output;
  }

  private synchronized void print() {
    StringBuilder gaps = new StringBuilder();
    for (int i = 1; i < chunks.size(); i++) {
      gaps.append(i > 1 ? "," : "").append(chunks.get(i) - chunks.get(i - 1));
    }
    System.out.println(
        "RESULT mode="
            + mode
            + " trace="
            + span.getSpanContext().getTraceId()
            + " span="
            + span.getSpanContext().getSpanId()
            + " first="
            + (chunks.isEmpty() ? -1 : chunks.get(0) - startNanos)
            + " gaps="
            + gaps
            + " usage="
            + inputTokens
            + "/"
            + outputTokens
            + " error="
            + error);
  }
}
