package dev.infertrace.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodyEndTest {
  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aStreamEndsAtItsDoneLineEvenSplitAcrossReads() {
    BodyEnd end = new BodyEnd(-1, true);
    end.onBytes(bytes("data: {\"choices\":[]}\n\ndata: [DO"));
    assertThat(end.reached()).isFalse();
    end.onBytes(bytes("NE]\r\n"));
    assertThat(end.reached()).isTrue();
    assertThat(end.closesWhole()).isTrue();
  }

  @Test
  void aStreamClosedBeforeDoneIsNotWhole() {
    BodyEnd end = new BodyEnd(-1, true);
    end.onBytes(bytes("data: {\"content\":\"data: [DONE]\"}\n\n"));
    assertThat(end.reached()).as("[DONE] inside a JSON line is text, not the end").isFalse();
    assertThat(end.closesWhole()).isFalse();
  }

  @Test
  void theDoneLineWithoutTheSpace() {
    BodyEnd end = new BodyEnd(-1, true);
    end.onBytes(bytes("data:[DONE]\n"));
    assertThat(end.reached()).isTrue();
  }

  @Test
  void aBodyOfKnownLengthEndsAtItsLength() {
    BodyEnd end = new BodyEnd(10, false);
    end.onBytes(bytes("{\"a\":"));
    assertThat(end.closesWhole()).isFalse();
    end.onBytes(bytes("123}"));
    assertThat(end.reached()).isFalse();
    end.onBytes(bytes("\n"));
    assertThat(end.reached()).isTrue();
  }

  @Test
  void aJsonBodyOfUnknownLengthIsWholeWhenClosedAfterItsLastBrace() {
    BodyEnd end = new BodyEnd(-1, false);
    end.onBytes(bytes("{\"usage\":{\"prompt_tokens\":3"));
    assertThat(end.closesWhole()).isFalse();
    end.onBytes(bytes("}}\n"));
    assertThat(end.reached()).as("not certain: the length is unknown").isFalse();
    assertThat(end.closesWhole()).isTrue();
  }

  @Test
  void nothingReadIsNotWhole() {
    assertThat(new BodyEnd(-1, false).closesWhole()).isFalse();
    assertThat(new BodyEnd(0, false).closesWhole()).as("an empty body is whole").isTrue();
  }
}
