package dev.infertrace.core.openai;

import java.util.Objects;
import javax.annotation.Nullable;

/**
 * What infertrace records of an OpenAI-style request: its shape, never its text. A value class
 * (equals, hashCode and toString as a record's would be: core is Java 8 source, see the pom).
 */
public final class OpenAiRequest {
  private final String operation;
  @Nullable private final String model;
  private final boolean stream;
  private final boolean includeUsage;
  @Nullable private final Integer maxTokens;
  @Nullable private final Integer n;
  private final int messages;
  private final long promptChars;
  private final long bodyBytes;

  /**
   * @param operation {@code chat}, {@code text_completion} or {@code embeddings} ({@code
   *     gen_ai.operation.name})
   * @param model {@code model}, or null when absent
   * @param stream {@code stream}
   * @param includeUsage {@code stream_options.include_usage}
   * @param maxTokens {@code max_tokens} or {@code max_completion_tokens}, or null
   * @param n {@code n}, or null
   * @param messages number of chat messages (0 for completions)
   * @param promptChars characters of prompt text (message contents, or the prompt string); never
   *     the text itself
   * @param bodyBytes the request body's size
   */
  public OpenAiRequest(
      String operation,
      @Nullable String model,
      boolean stream,
      boolean includeUsage,
      @Nullable Integer maxTokens,
      @Nullable Integer n,
      int messages,
      long promptChars,
      long bodyBytes) {
    this.operation = operation;
    this.model = model;
    this.stream = stream;
    this.includeUsage = includeUsage;
    this.maxTokens = maxTokens;
    this.n = n;
    this.messages = messages;
    this.promptChars = promptChars;
    this.bodyBytes = bodyBytes;
  }

  public String operation() {
    return operation;
  }

  @Nullable
  public String model() {
    return model;
  }

  public boolean stream() {
    return stream;
  }

  public boolean includeUsage() {
    return includeUsage;
  }

  @Nullable
  public Integer maxTokens() {
    return maxTokens;
  }

  @Nullable
  public Integer n() {
    return n;
  }

  public int messages() {
    return messages;
  }

  public long promptChars() {
    return promptChars;
  }

  public long bodyBytes() {
    return bodyBytes;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof OpenAiRequest)) {
      return false;
    }
    OpenAiRequest r = (OpenAiRequest) o;
    return Objects.equals(operation, r.operation)
        && Objects.equals(model, r.model)
        && stream == r.stream
        && includeUsage == r.includeUsage
        && Objects.equals(maxTokens, r.maxTokens)
        && Objects.equals(n, r.n)
        && messages == r.messages
        && promptChars == r.promptChars
        && bodyBytes == r.bodyBytes;
  }

  @Override
  public int hashCode() {
    int h = Objects.hashCode(operation);
    h = 31 * h + Objects.hashCode(model);
    h = 31 * h + Boolean.hashCode(stream);
    h = 31 * h + Boolean.hashCode(includeUsage);
    h = 31 * h + Objects.hashCode(maxTokens);
    h = 31 * h + Objects.hashCode(n);
    h = 31 * h + Integer.hashCode(messages);
    h = 31 * h + Long.hashCode(promptChars);
    return 31 * h + Long.hashCode(bodyBytes);
  }

  @Override
  public String toString() {
    return "OpenAiRequest[operation="
        + operation
        + ", model="
        + model
        + ", stream="
        + stream
        + ", includeUsage="
        + includeUsage
        + ", maxTokens="
        + maxTokens
        + ", n="
        + n
        + ", messages="
        + messages
        + ", promptChars="
        + promptChars
        + ", bodyBytes="
        + bodyBytes
        + "]";
  }
}
