package dev.infertrace.testbed.sim.engine;

import java.util.Arrays;

/**
 * The twin's deterministic tokenizer: no vocabulary file, same ids for the same text on every
 * machine, and roughly the token counts of a BPE tokenizer on English text (about 4 characters a
 * token).
 *
 * <p>Rules: a token is an optional single leading space followed by up to 4 letters or digits, or
 * any other single character (punctuation, newline, a second space). Its id is the 32-bit FNV-1a
 * hash of its UTF-16 characters, mapped into {@code [FIRST_TEXT_ID, VOCAB_SIZE)}. Ids below {@code
 * FIRST_TEXT_ID} are reserved for the chat template's special tokens.
 *
 * <p>Stateless and thread-safe.
 */
public final class Tokenizer {
  /** Size of the id space. */
  public static final int VOCAB_SIZE = 128_000;

  /** Ids below this are special tokens. */
  public static final int FIRST_TEXT_ID = 256;

  private static final int MAX_WORD_CHARS = 4;

  private Tokenizer() {}

  /** The token ids of {@code text}. */
  public static int[] encode(CharSequence text) {
    int[] out = new int[Math.max(4, text.length() / 3 + 1)];
    int n = 0;
    int i = 0;
    int len = text.length();
    while (i < len) {
      int start = i;
      if (text.charAt(i) == ' ' && i + 1 < len && Character.isLetterOrDigit(text.charAt(i + 1))) {
        i++;
      }
      if (Character.isLetterOrDigit(text.charAt(i))) {
        int wordStart = i;
        while (i < len
            && i - wordStart < MAX_WORD_CHARS
            && Character.isLetterOrDigit(text.charAt(i))) {
          i++;
        }
      } else {
        i++;
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, out.length * 2);
      }
      out[n++] = id(text, start, i);
    }
    return Arrays.copyOf(out, n);
  }

  /** The number of tokens of {@code text}. */
  public static int count(CharSequence text) {
    return encode(text).length;
  }

  private static int id(CharSequence text, int from, int to) {
    int h = 0x811c9dc5;
    for (int i = from; i < to; i++) {
      h ^= text.charAt(i);
      h *= 0x01000193;
    }
    return FIRST_TEXT_ID + Integer.remainderUnsigned(h, VOCAB_SIZE - FIRST_TEXT_ID);
  }
}
