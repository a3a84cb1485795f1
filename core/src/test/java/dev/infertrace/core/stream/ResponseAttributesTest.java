package dev.infertrace.core.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.core.stream.ResponseAttributes.Key;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponseAttributesTest {
  private static final long MS = 1_000_000;

  private static Map<Key, Object> write(StreamSummary s, long from, long end) {
    Map<Key, Object> out = new EnumMap<>(Key.class);
    ResponseAttributes.write(
        s,
        from,
        end,
        (k, v) -> {
          assertThat(out).as("%s written twice", k).doesNotContainKey(k);
          out.put(k, v);
        });
    return out;
  }

  private static void feed(SseObserver o, String text, long nanos) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    o.onBytes(b, 0, b.length, nanos);
  }

  @Test
  void aStreamGivesEveryAttributeWithTheTypeItsKeyNames() {
    SseObserver o = new SseObserver();
    o.onHeaders(0);
    feed(
        o,
        "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n",
        10 * MS);
    feed(o, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n", 100 * MS);
    feed(o, "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n", 120 * MS);
    feed(
        o,
        "data: {\"choices\":[{\"delta\":{\"content\":\"c\"},\"finish_reason\":\"stop\"}]}\n\n",
        150 * MS);
    feed(
        o,
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\ndata: [DONE]\n\n",
        151 * MS);
    Map<Key, Object> a = write(o.onEnd(160 * MS), 0, 160 * MS);

    Key[] all =
        java.util.Arrays.stream(Key.values())
            .filter(k -> k != Key.USAGE_OUTPUT_TOKENS_ESTIMATED) // usage was sent: not estimated
            .toArray(Key[]::new);
    assertThat(a).containsOnlyKeys(all);
    for (Map.Entry<Key, Object> e : a.entrySet()) {
      Class<?> expected =
          switch (e.getKey().type) {
            case STRING -> String.class;
            case STRING_ARRAY -> List.class;
            case LONG -> Long.class;
            case DOUBLE -> Double.class;
            case BOOLEAN -> Boolean.class;
          };
      assertThat(e.getValue()).as("%s", e.getKey()).isInstanceOf(expected);
    }
    assertThat(a.get(Key.RESPONSE_ID)).isEqualTo("c1");
    assertThat(a.get(Key.RESPONSE_FINISH_REASONS)).isEqualTo(List.of("stop"));
    assertThat(a.get(Key.USAGE_INPUT_TOKENS)).isEqualTo(9L);
    assertThat(a.get(Key.USAGE_CACHED_TOKENS)).isEqualTo(4L);
    assertThat(a.get(Key.USAGE_OUTPUT_TOKENS)).isEqualTo(3L);
    assertThat(a.get(Key.LATENCY_TIME_TO_ACK)).isEqualTo(0.010);
    assertThat(a.get(Key.LATENCY_TIME_TO_FIRST_TOKEN)).isEqualTo(0.100);
    assertThat(a.get(Key.RESPONSE_TIME_TO_FIRST_CHUNK)).isEqualTo(0.100);
    assertThat(a.get(Key.LATENCY_E2E)).isEqualTo(0.160);
    // TPOT = (e2e − ttft) / (output tokens − 1): (0.160 − 0.100) / 2.
    assertThat((double) a.get(Key.LATENCY_TIME_PER_OUTPUT_TOKEN)).isCloseTo(0.030, within());
    assertThat((double) a.get(Key.LATENCY_ITL_MAX)).isCloseTo(0.030, within());
  }

  @Test
  void withoutUsageTheCountIsMarkedEstimatedAndNothingIsInvented() {
    SseObserver o = new SseObserver();
    feed(o, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n", 5 * MS);
    Map<Key, Object> a = write(o.onEnd(6 * MS), 0, 6 * MS);

    assertThat(a.get(Key.USAGE_OUTPUT_TOKENS)).isEqualTo(1L);
    assertThat(a.get(Key.USAGE_OUTPUT_TOKENS_ESTIMATED)).isEqualTo(true);
    assertThat(a)
        .doesNotContainKeys(
            Key.RESPONSE_ID,
            Key.USAGE_INPUT_TOKENS,
            Key.USAGE_CACHED_TOKENS,
            Key.LATENCY_TIME_PER_OUTPUT_TOKEN,
            Key.LATENCY_ITL_MEAN);
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }
}
