package dev.infertrace.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The metrics table of {@code src/docs/configuration.md} and {@link MetricNames} agree. */
class MetricNamesDocTest {
  /** The doc lists a counter by its sample name, {@code <family>_total}. */
  private static Set<String> documentedFamilies() throws IOException {
    return DocTables.firstColumn(DocTables.doc("configuration.md"), "metric").stream()
        .map(name -> name.endsWith("_total") ? name.substring(0, name.length() - 6) : name)
        .collect(Collectors.toSet());
  }

  @Test
  void everyServedMetricIsDocumented() throws IOException {
    Set<String> documented = documentedFamilies();

    assertThat(documented).as("the doc's metrics table was read").hasSizeGreaterThan(5);
    assertThat(documented).containsAll(DocTables.constants(MetricNames.class));
  }

  @Test
  void everyDocumentedMetricIsInTheSchema() throws IOException {
    assertThat(DocTables.constants(MetricNames.class)).containsAll(documentedFamilies());
  }
}
