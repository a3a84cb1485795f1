package dev.infertrace.load;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.View;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The live figures of a long run pushed as OTLP metrics over HTTP (what llm-load-test-exporter
 * gives): requests by outcome, TTFT, ITL, TPOT and E2E histograms in seconds, output tokens, and
 * the requests in flight; each point carries the step and the request's phase. Export failures cost
 * points, never the run.
 */
final class LiveMetrics implements AutoCloseable {
  static final String REQUESTS = "infertrace.load.requests";
  static final String TTFT = "infertrace.load.time_to_first_token";
  static final String ITL = "infertrace.load.inter_token_latency";
  static final String TPOT = "infertrace.load.time_per_output_token";
  static final String E2E = "infertrace.load.e2e";
  static final String OUTPUT_TOKENS = "infertrace.load.output_tokens";
  static final String IN_FLIGHT = "infertrace.load.in_flight";

  private static final AttributeKey<Long> STEP = AttributeKey.longKey("infertrace.load.step");
  private static final AttributeKey<String> PHASE = AttributeKey.stringKey("infertrace.load.phase");
  private static final AttributeKey<String> OUTCOME =
      AttributeKey.stringKey("infertrace.load.outcome");
  private static final List<Double> BOUNDS =
      List.of(
          0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0,
          30.0, 60.0);

  private final SdkMeterProvider provider;
  private final LongCounter requests;
  private final LongCounter outputTokens;
  private final DoubleHistogram ttft;
  private final DoubleHistogram itl;
  private final DoubleHistogram tpot;
  private final DoubleHistogram e2e;

  /**
   * @param endpoint the OTLP/HTTP base URL (e.g. {@code http://127.0.0.1:4318}); {@code
   *     /v1/metrics} is added
   */
  LiveMetrics(String endpoint, Duration interval, BenchProgress progress) {
    String base = endpoint.replaceAll("/+$", "");
    provider =
        SdkMeterProvider.builder()
            .setResource(Resource.builder().put("service.name", "infertrace-load").build())
            .registerView(
                InstrumentSelector.builder().setType(InstrumentType.HISTOGRAM).build(),
                View.builder().setAggregation(Aggregation.explicitBucketHistogram(BOUNDS)).build())
            .registerMetricReader(
                PeriodicMetricReader.builder(
                        OtlpHttpMetricExporter.builder()
                            .setEndpoint(base.endsWith("/v1/metrics") ? base : base + "/v1/metrics")
                            .build())
                    .setInterval(interval)
                    .build())
            .build();
    Meter meter = provider.get("dev.infertrace.load");
    requests = meter.counterBuilder(REQUESTS).setDescription("Requests ended, by outcome").build();
    outputTokens = meter.counterBuilder(OUTPUT_TOKENS).setUnit("{token}").build();
    ttft = meter.histogramBuilder(TTFT).setUnit("s").build();
    itl = meter.histogramBuilder(ITL).setUnit("s").build();
    tpot = meter.histogramBuilder(TPOT).setUnit("s").build();
    e2e = meter.histogramBuilder(E2E).setUnit("s").build();
    meter
        .gaugeBuilder(IN_FLIGHT)
        .ofLongs()
        .buildWithCallback(
            m -> m.record(progress.inFlight(), Attributes.of(STEP, (long) progress.step())));
  }

  void record(RequestRecord r) {
    Attributes a = Attributes.of(STEP, (long) r.step(), PHASE, r.phase());
    requests.add(1, a.toBuilder().put(OUTCOME, r.ok() ? "ok" : r.error()).build());
    if (!r.ok()) {
      return;
    }
    outputTokens.add(r.outputTokens(), a);
    e2e.record(r.e2eMs() / 1000, a);
    if (r.ttftMs() != null) {
      ttft.record(r.ttftMs() / 1000, a);
    }
    if (r.tpotMs() != null) {
      tpot.record(r.tpotMs() / 1000, a);
    }
    for (double gap : r.itlMs()) {
      itl.record(gap / 1000, a);
    }
  }

  /** Exports what is left and stops. */
  @Override
  public void close() {
    provider.shutdown().join(10, TimeUnit.SECONDS);
  }
}
