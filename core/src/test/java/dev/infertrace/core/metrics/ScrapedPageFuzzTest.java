package dev.infertrace.core.metrics;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.infertrace.core.gpu.DcgmSample;
import java.util.Set;

/**
 * The Prometheus text parser, and the DCGM reading of its result, on any page a scraped endpoint
 * may serve: it never throws. See src/docs/fuzzing.md for the long run.
 */
class ScrapedPageFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void anyPage(FuzzedDataProvider data) {
    String pod = data.consumeBoolean() ? data.consumeString(16) : null;
    Exposition page = PrometheusText.parse(data.consumeRemainingAsString());
    DcgmSample.of(page, pod, null, Set.of());
  }
}
