package dev.infertrace.testbed.sim.engine;

import java.util.Arrays;
import java.util.List;

/**
 * Turns a chat conversation into prompt tokens the way a chat template does: each message is {@code
 * <start> role \n content <end> \n}, and the prompt ends with {@code <start> assistant \n} so that
 * generation continues as the assistant. Two conversations that share their first messages share a
 * token prefix, which is what makes prefix caching work for multi-turn chat.
 */
public final class PromptEncoder {
  static final int START = 1;
  static final int END = 2;
  private static final int[] NEWLINE = Tokenizer.encode("\n");

  private PromptEncoder() {}

  /** A chat message: its role and its text content (text parts joined). */
  public record Message(String role, String content) {}

  /** The prompt tokens of a chat request. */
  public static int[] chat(List<Message> messages) {
    IntList out = new IntList(64);
    for (Message m : messages) {
      turn(out, m.role());
      out.addAll(Tokenizer.encode(m.content()));
      out.add(END);
      out.addAll(NEWLINE);
    }
    turn(out, "assistant");
    return out.toArray();
  }

  /** The prompt tokens of a completions request's text prompt. */
  public static int[] text(String prompt) {
    return Tokenizer.encode(prompt);
  }

  private static void turn(IntList out, String role) {
    out.add(START);
    out.addAll(Tokenizer.encode(role));
    out.addAll(NEWLINE);
  }

  /** A growable int array; avoids boxing on the tokenizer path. */
  static final class IntList {
    private int[] data;
    private int size;

    IntList(int capacity) {
      data = new int[capacity];
    }

    void add(int v) {
      if (size == data.length) {
        data = Arrays.copyOf(data, size * 2);
      }
      data[size++] = v;
    }

    void addAll(int[] vs) {
      if (size + vs.length > data.length) {
        data = Arrays.copyOf(data, Math.max(size * 2, size + vs.length));
      }
      System.arraycopy(vs, 0, data, size, vs.length);
      size += vs.length;
    }

    int[] toArray() {
      return Arrays.copyOf(data, size);
    }
  }
}
