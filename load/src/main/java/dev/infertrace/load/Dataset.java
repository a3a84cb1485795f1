package dev.infertrace.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompts read from a JSONL file, one JSON object per line, in either form:
 *
 * <ul>
 *   <li>ShareGPT: {@code {"conversations":[{"from":"human","value":"…"},{"from":"gpt",
 *       "value":"…"}]}} — the first human turn is the prompt; the first reply after it sets the
 *       output length (its whitespace-separated words, as a token estimate);
 *   <li>plain: {@code {"prompt":"…","output_tokens":N}} ({@code output_tokens} optional).
 * </ul>
 *
 * Lines that are blank are skipped; a line that is neither form is an error naming its number.
 */
public final class Dataset {
  /** One prompt; {@code outputTokens} 0 means "use the --output-tokens distribution". */
  public record Entry(String prompt, int outputTokens) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private Dataset() {}

  public static List<Entry> read(Path file) throws IOException {
    List<Entry> entries = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = in.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        Entry e;
        try {
          e = entry(JSON.readTree(line));
        } catch (IOException | IllegalArgumentException bad) {
          throw new IllegalArgumentException(
              "--dataset " + file + " line " + number + ": " + bad.getMessage(), bad);
        }
        if (e != null) {
          entries.add(e);
        }
      }
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("--dataset " + file + ": no prompts in it");
    }
    return List.copyOf(entries);
  }

  private static Entry entry(JsonNode node) {
    if (node.hasNonNull("prompt")) {
      return new Entry(
          node.get("prompt").asText(), Math.max(0, node.path("output_tokens").asInt()));
    }
    JsonNode turns = node.path("conversations");
    if (!turns.isArray()) {
      throw new IllegalArgumentException("expected \"conversations\" or \"prompt\"");
    }
    for (int i = 0; i < turns.size(); i++) {
      if ("human".equals(turns.get(i).path("from").asText())) {
        String prompt = turns.get(i).path("value").asText();
        int out = 0;
        if (i + 1 < turns.size()) {
          out = words(turns.get(i + 1).path("value").asText());
        }
        return prompt.isBlank() ? null : new Entry(prompt, out);
      }
    }
    return null; // a conversation without a human turn has no prompt to send
  }

  static int words(String text) {
    String s = text.strip();
    return s.isEmpty() ? 0 : s.split("\\s+").length;
  }
}
