package dev.infertrace.agent;

import dev.infertrace.testbed.otlp.OtlpSink;
import dev.infertrace.testbed.otlp.ReceivedSpan;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Where a span stands in the spans the test's receiver got. */
final class Traces {
  private Traces() {}

  /** The ingress's SERVER span in {@code span}'s trace, waited for. */
  static ReceivedSpan ingressServer(OtlpSink sink, ReceivedSpan span) {
    return sink.awaitSpans(
            s ->
                s.traceId().equals(span.traceId())
                    && "infertrace-ingress".equals(s.serviceName())
                    && s.kind() == SpanKind.SPAN_KIND_SERVER,
            1,
            Duration.ofSeconds(20))
        .get(0);
  }

  /** The span ids above {@code span} in {@code all}, nearest first (at most 8). */
  static List<String> ancestors(ReceivedSpan span, List<ReceivedSpan> all) {
    List<String> out = new ArrayList<>();
    String parent = span.parentSpanId();
    while (!parent.isEmpty() && out.size() < 8) {
      out.add(parent);
      String p = parent;
      parent =
          all.stream()
              .filter(s -> s.spanId().equals(p))
              .map(ReceivedSpan::parentSpanId)
              .findFirst()
              .orElse("");
    }
    return out;
  }
}
