package dev.infertrace.testbed.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.admin.ProxyMetrics;
import dev.infertrace.proxy.export.SpanQueue;
import org.junit.jupiter.api.Test;

/** The span counts read back from the families the proxies serve on /metrics. */
class SpanAccountsTest {
  @Test
  void readsCreatedExportedDroppedByReasonAndQueued() {
    StringBuilder page = new StringBuilder();
    ProxyMetrics.spans(page, new SpanQueue.Counts(100, 80, 7, 9, 1, 3));
    page.append("# EOF\n");

    SpanAccounts.Counts c = SpanAccounts.parse(page.toString());

    assertThat(c.created()).isEqualTo(100);
    assertThat(c.exported()).isEqualTo(80);
    assertThat(c.dropped())
        .containsEntry("queue_full", 7L)
        .containsEntry("export_failed", 9L)
        .containsEntry("shutdown", 1L);
    assertThat(c.queued()).isEqualTo(3);
    assertThat(c.balanced()).isTrue();
    assertThat(c.plus(c).created()).isEqualTo(200);
  }

  @Test
  void aSpanMissingFromEveryCountIsUnbalanced() {
    StringBuilder page = new StringBuilder();
    ProxyMetrics.spans(page, new SpanQueue.Counts(101, 80, 7, 9, 1, 3));

    assertThat(SpanAccounts.parse(page.toString()).balanced()).isFalse();
  }
}
