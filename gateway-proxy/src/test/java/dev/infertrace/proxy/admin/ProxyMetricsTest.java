package dev.infertrace.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.engine.EnginePhases;
import dev.infertrace.proxy.export.SpanQueue;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyMetricsTest {
  private final ProxyMetrics metrics =
      new ProxyMetrics(new ProxyStats(), () -> new SpanQueue.Counts(8, 7, 1, 0, 0, 0));

  @Test
  void withoutEngineCountsThereAreNoEngineFamilies() {
    String text = metrics.render();

    assertThat(text).doesNotContain("infertrace_engine_");
    assertThat(text).contains("infertrace_spans_total{outcome=\"exported\"} 7\n");
    assertThat(text).endsWith("# EOF\n");
  }

  @Test
  void rendersTheWorkersEngineCountsBySource() {
    metrics.setEngineCounts(() -> new EnginePhases.Counts(40, 3, 2, 45));

    String text = metrics.render();

    assertThat(text)
        .contains(
            "# TYPE infertrace_engine_phases counter\n",
            "infertrace_engine_phases_total{source=\"engine\"} 40\n",
            "infertrace_engine_phases_total{source=\"stream\"} 3\n",
            "infertrace_engine_phases_total{source=\"overflow\"} 2\n",
            "# TYPE infertrace_engine_spans_relayed counter\n",
            "infertrace_engine_spans_relayed_total 45\n");
    assertThat(text.indexOf("infertrace_engine_phases")).isLessThan(text.indexOf("# EOF"));
    assertThat(text).endsWith("# EOF\n");
  }

  @Test
  void countersKeepTheirNamesAfterTheSchemaMove() {
    metrics.record("m", "u", 200, List.of("stop"), 0.1, 0.02, 0.02, 1.0, true, null);

    assertThat(metrics.render())
        .contains(
            "infertrace_requests_total{status=\"200\"} 1\n",
            "infertrace_finish_reasons_total{reason=\"stop\"} 1\n",
            "infertrace_slo_total{result=\"met\"} 1\n",
            "infertrace_slo_total{result=\"missed\"} 0\n",
            "infertrace_spans_total{outcome=\"dropped\",reason=\"queue_full\"} 1\n",
            "infertrace_proxy_errors_total{kind=\"upstream_unavailable\"} 0\n",
            "# TYPE infertrace_scrape_failures counter\n",
            "gen_ai_server_time_to_first_token_seconds_bucket{model=\"m\",upstream=\"u\"");
  }
}
