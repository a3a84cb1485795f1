package dev.infertrace.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LabelValuesTest {
  @Test
  void withoutAServedListOnlyAcceptedModelsAreKeptAndOnlyAFewOfThem() {
    LabelValues labels = new LabelValues(List.of());

    assertThat(labels.model("made-up", 404)).isEqualTo("other");
    assertThat(labels.model("real", 200)).isEqualTo("real");
    assertThat(labels.model("real", 500)).as("once accepted, kept").isEqualTo("real");
    for (int i = 0; i < 100; i++) {
      labels.model("m" + i, 200);
    }
    assertThat(labels.model("m99", 200)).isEqualTo("other");
    assertThat(labels.model(null, 200)).isEmpty();
  }

  @Test
  void theServedListWinsOnceKnown() {
    LabelValues labels = new LabelValues(List.of());
    labels.served(Set.of("llama"));

    assertThat(labels.model("llama", 404)).isEqualTo("llama");
    assertThat(labels.model("mistral", 200)).isEqualTo("other");
  }

  @Test
  void finishReasonsOutsideTheKnownSetAreOther() {
    assertThat(LabelValues.finishReason("tool_calls")).isEqualTo("tool_calls");
    assertThat(LabelValues.finishReason("abort")).isEqualTo("abort");
    assertThat(LabelValues.finishReason("STOP")).isEqualTo("other");
  }
}
