package dev.infertrace.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code src/docs/attributes.md} and the schema classes name the same attributes and spans. */
class AttributesDocTest {
  private static final List<Class<?>> ATTRIBUTE_CLASSES =
      List.of(
          LlmAttributes.class,
          VllmAttributes.class,
          VllmSpanAttributes.class,
          DcgmAttributes.class,
          HwAttributes.class,
          RouteAttributes.class);

  /**
   * The attribute names of the schema. Attribute names are namespaced ({@code a.b}); the few
   * constants without a dot are attribute values ({@code LlmAttributes.PROVIDER_VLLM}, {@code
   * SOURCE_*}).
   */
  private static Set<String> schemaAttributes() {
    Set<String> out = new LinkedHashSet<>();
    ATTRIBUTE_CLASSES.forEach(c -> out.addAll(DocTables.constants(c)));
    out.removeIf(name -> !name.contains("."));
    return out;
  }

  @Test
  void everySchemaAttributeIsInTheDocsAttributeTables() throws IOException {
    Set<String> documented = DocTables.firstColumn(DocTables.doc("attributes.md"), "attribute");

    assertThat(documented).as("the doc's attribute tables were read").hasSizeGreaterThan(40);
    assertThat(documented).containsAll(schemaAttributes());
  }

  @Test
  void everyAttributeTheDocListsIsInTheSchema() throws IOException {
    Set<String> documented = DocTables.firstColumn(DocTables.doc("attributes.md"), "attribute");

    assertThat(schemaAttributes()).containsAll(documented);
  }

  @Test
  void everySpanNameIsInTheDoc() throws IOException {
    Set<String> mentioned = DocTables.codeSpans(DocTables.doc("attributes.md"));

    assertThat(mentioned).containsAll(DocTables.constants(SpanNames.class));
  }

  @Test
  void theValueConstantsLeftOutAreValuesNotNames() {
    Set<String> all = new LinkedHashSet<>();
    ATTRIBUTE_CLASSES.forEach(c -> all.addAll(DocTables.constants(c)));
    all.removeAll(schemaAttributes());

    assertThat(all)
        .as("only these may skip the doc's tables; a new one is a name missing its namespace")
        .containsExactlyInAnyOrder(
            LlmAttributes.PROVIDER_VLLM, LlmAttributes.SOURCE_STREAM, LlmAttributes.SOURCE_ENGINE);
  }
}
