package dev.infertrace.core.openai;

import javax.annotation.Nullable;

/**
 * What infertrace records of an OpenAI-style request: its shape, never its text.
 *
 * @param operation {@code chat}, {@code text_completion} or {@code embeddings} ({@code
 *     gen_ai.operation.name})
 * @param model {@code model}, or null when absent
 * @param stream {@code stream}
 * @param includeUsage {@code stream_options.include_usage}
 * @param maxTokens {@code max_tokens} or {@code max_completion_tokens}, or null
 * @param n {@code n}, or null
 * @param messages number of chat messages (0 for completions)
 * @param promptChars characters of prompt text (message contents, or the prompt string); never the
 *     text itself
 * @param bodyBytes the request body's size
 */
public record OpenAiRequest(
    String operation,
    @Nullable String model,
    boolean stream,
    boolean includeUsage,
    @Nullable Integer maxTokens,
    @Nullable Integer n,
    int messages,
    long promptChars,
    long bodyBytes) {}
