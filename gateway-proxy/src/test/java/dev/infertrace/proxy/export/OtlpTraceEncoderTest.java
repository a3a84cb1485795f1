package dev.infertrace.proxy.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The encoder against the SDK's own OTLP marshaler, on spans made by the real SDK: both outputs are
 * parsed with the protobuf classes of opentelemetry-proto and must hold the same spans under the
 * same resources and scopes, field for field.
 */
class OtlpTraceEncoderTest {
  private static final AttributeKey<String> TEXT = AttributeKey.stringKey("gen_ai.request.model");

  @Test
  void everyFieldOfEverySpanMatchesWhatTheSdksMarshalerWrites() throws Exception {
    List<SpanData> spans = new ArrayList<>();
    spans.addAll(spansOf("infertrace-ingress", 1));
    spans.addAll(spansOf("infertrace-worker", 2)); // a second resource, interleaved below
    java.util.Collections.shuffle(spans, new Random(7));

    ExportTraceServiceRequest ours = ours(spans);
    ExportTraceServiceRequest sdk = sdk(spans);

    assertThat(flatten(ours)).hasSize(spans.size()).isEqualTo(flatten(sdk));
    assertThat(ours.getResourceSpansCount()).isEqualTo(2);
  }

  @Test
  void longMessagesWidenTheirLengthAndNothingElseMoves() throws Exception {
    // values around the one-, two- and three-byte length boundaries (127/128, 16383/16384)
    List<SpanData> spans = new ArrayList<>();
    SdkTracerProvider provider = provider("long", spans);
    Tracer tracer = provider.get("dev.infertrace.proxy");
    for (int n : new int[] {0, 1, 100, 117, 118, 127, 128, 129, 16_370, 16_383, 16_384, 70_000}) {
      tracer.spanBuilder("s").setAttribute(TEXT, "x".repeat(n)).startSpan().end();
    }
    provider.forceFlush().join(5, TimeUnit.SECONDS);

    assertThat(flatten(ours(spans))).hasSize(12).isEqualTo(flatten(sdk(spans)));
  }

  @Test
  void keysMadeWithoutEndOnlyRefillTheKeyCache() throws Exception {
    // more distinct keys than the cache holds, each built anew (not the same String instance)
    List<SpanData> spans = new ArrayList<>();
    SdkTracerProvider provider = provider("keys", spans);
    Tracer tracer = provider.get("dev.infertrace.proxy");
    for (int i = 0; i < 100; i++) {
      Span span = tracer.spanBuilder("s").startSpan();
      for (int k = 0; k < 12; k++) {
        span.setAttribute(new String("key." + (i * 12 + k)), (long) k);
      }
      span.end();
    }
    provider.forceFlush().join(5, TimeUnit.SECONDS);
    OtlpTraceEncoder encoder = new OtlpTraceEncoder();
    for (int round = 0; round < 2; round++) {
      assertThat(flatten(ExportTraceServiceRequest.parseFrom(encoder.encode(spans).copy())))
          .hasSize(100)
          .isEqualTo(flatten(sdk(spans)));
    }
  }

  @Test
  void anEmptyBatchIsAnEmptyRequest() throws Exception {
    OtlpTraceEncoder.Encoded e = new OtlpTraceEncoder().encode(List.of());
    assertThat(e.length()).isZero();
    assertThat(ExportTraceServiceRequest.parseFrom(e.copy()).getResourceSpansCount()).isZero();
  }

  @Test
  void theEncoderIsReusedAcrossBatchesOfDifferentSizes() throws Exception {
    List<SpanData> spans = spansOf("reuse", 3);
    OtlpTraceEncoder encoder = new OtlpTraceEncoder();
    byte[] big = encoder.encode(spans).copy();
    byte[] small = encoder.encode(spans.subList(0, 1)).copy();
    byte[] bigAgain = encoder.encode(spans).copy();
    assertThat(bigAgain).isEqualTo(big);
    assertThat(flatten(ExportTraceServiceRequest.parseFrom(small))).hasSize(1);
  }

  /** Spans with every kind of field: attributes of each type, events, links, states, errors. */
  private static List<SpanData> spansOf(String service, long seed) {
    List<SpanData> out = new ArrayList<>();
    SdkTracerProvider provider = provider(service, out);
    Tracer proxy = provider.get("dev.infertrace.proxy");
    Tracer versioned =
        provider
            .tracerBuilder("dev.infertrace.engine")
            .setInstrumentationVersion("0.1.0")
            .setSchemaUrl("https://opentelemetry.io/schemas/1.37.0")
            .build();
    Random random = new Random(seed);
    SpanContext remoteParent =
        SpanContext.createFromRemoteParent(
            "0af7651916cd43dd8448eb211c80319c",
            "b7ad6b7169203331",
            TraceFlags.getSampled(),
            TraceState.builder().put("vendor", "a=b").put("other", "1").build());
    for (int i = 0; i < 40; i++) {
      Tracer tracer = i % 3 == 0 ? versioned : proxy;
      var builder =
          tracer
              .spanBuilder(i % 5 == 0 ? "chat Llama-3.1-8B-Instruct — ünïcode ✓" : "POST")
              .setSpanKind(SpanKind.values()[i % SpanKind.values().length])
              .setStartTimestamp(1_796_000_000_000_000_000L + i, TimeUnit.NANOSECONDS);
      if (i % 2 == 0) {
        builder.setParent(Context.root().with(Span.wrap(remoteParent)));
      } else if (i % 7 == 0) {
        builder.setNoParent();
      }
      if (i % 4 == 1) {
        builder.addLink(remoteParent, Attributes.of(AttributeKey.longKey("link.n"), (long) i));
        builder.addLink(Span.getInvalid().getSpanContext());
      }
      Span span = builder.startSpan();
      span.setAttribute(TEXT, "meta-llama/Llama-3.1-8B-Instruct");
      span.setAttribute("http.response.status_code", 200 + i);
      span.setAttribute("gen_ai.latency.time_to_first_token", random.nextDouble());
      span.setAttribute("llm.stream", i % 2 == 0);
      span.setAttribute("llm.empty", "");
      span.setAttribute("llm.negative", -1L - i);
      span.setAttribute(
          AttributeKey.stringArrayKey("llm.finish_reasons"), List.of("stop", "ü", ""));
      span.setAttribute(AttributeKey.booleanArrayKey("llm.flags"), List.of(true, false));
      span.setAttribute(AttributeKey.longArrayKey("llm.tokens"), List.of(1L, Long.MAX_VALUE, -3L));
      span.setAttribute(AttributeKey.doubleArrayKey("llm.itl"), List.of(0.5, -0.0, 1e-9));
      for (int a = 0; a < i % 6; a++) {
        span.setAttribute("extra." + a, "v" + a); // over the limit of 12 below: dropped counted
      }
      if (i % 3 == 1) {
        span.addEvent(
            "first_token",
            Attributes.of(AttributeKey.longKey("tokens"), 1L, AttributeKey.stringKey("k"), "v"),
            1_796_000_000_000_500_000L + i,
            TimeUnit.NANOSECONDS);
        span.addEvent("plain");
      }
      if (i % 4 == 2) {
        span.setStatus(StatusCode.ERROR, "upstream reset — 502");
      } else if (i % 4 == 3) {
        span.setStatus(StatusCode.OK);
      }
      span.end(1_796_000_000_001_000_000L + i * 1000L, TimeUnit.NANOSECONDS);
    }
    provider.forceFlush().join(5, TimeUnit.SECONDS);
    assertThat(out).hasSize(40);
    return out;
  }

  private static SdkTracerProvider provider(String service, List<SpanData> sink) {
    return SdkTracerProvider.builder()
        .setResource(
            io.opentelemetry.sdk.resources.Resource.getDefault()
                .merge(
                    io.opentelemetry.sdk.resources.Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), service),
                        "https://opentelemetry.io/schemas/1.24.0")))
        .setSpanLimits(SpanLimits.builder().setMaxNumberOfAttributes(12).build())
        .addSpanProcessor(
            SimpleSpanProcessor.create(
                SpanExporters.of(
                    batch -> {
                      synchronized (sink) {
                        sink.addAll(batch);
                      }
                      return CompletableResultCode.ofSuccess();
                    })))
        .build();
  }

  private static ExportTraceServiceRequest ours(List<SpanData> spans) throws Exception {
    return ExportTraceServiceRequest.parseFrom(new OtlpTraceEncoder().encode(spans).copy());
  }

  private static ExportTraceServiceRequest sdk(List<SpanData> spans) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(spans).writeBinaryTo(bytes);
    return ExportTraceServiceRequest.parseFrom(bytes.toByteArray());
  }

  /** Each span with the resource and scope it was nested under, ordered by span id. */
  record Placed(
      Resource resource,
      String resourceSchema,
      InstrumentationScope scope,
      String scopeSchema,
      io.opentelemetry.proto.trace.v1.Span span) {}

  private static List<Placed> flatten(ExportTraceServiceRequest request) {
    List<Placed> out = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (io.opentelemetry.proto.trace.v1.Span s : ss.getSpansList()) {
          out.add(
              new Placed(rs.getResource(), rs.getSchemaUrl(), ss.getScope(), ss.getSchemaUrl(), s));
        }
      }
    }
    out.sort(
        Comparator.comparing(
            p -> java.util.HexFormat.of().formatHex(p.span().getSpanId().toByteArray())));
    return out;
  }
}
