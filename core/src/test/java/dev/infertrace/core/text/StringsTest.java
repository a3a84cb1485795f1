package dev.infertrace.core.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StringsTest {
  /** The tests run on Java 17: core's Java 8 versions must say what String's own say. */
  @Test
  void stripAndIsBlankAreStringsOwn() {
    String[] inputs = {
      "",
      " ",
      "a",
      "  a b  ",
      "\t\n a \r\n",
      "\u2003em space\u2003", // a Unicode space: strip() removes it, trim() does not
      "\u00a0no-break\u00a0", // not white space for either
      "\u0001control\u0001", // trim() removes it, strip() does not
      "\u001cfile separator\u001f",
      "\ud83d\ude00 emoji \ud83d\ude00",
      "\u3000",
      "x\u2028"
    };
    for (String s : inputs) {
      assertThat(Strings.strip(s)).as("strip of %s", s).isEqualTo(s.strip());
      assertThat(Strings.isBlank(s)).as("isBlank of %s", s).isEqualTo(s.isBlank());
    }
  }
}
