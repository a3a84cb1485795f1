package dev.infertrace.testbed.sim.http;

import javax.annotation.Nullable;

/**
 * An OpenAI chat or completions request as the twin understood it.
 *
 * @param chat true for {@code /v1/chat/completions}, false for {@code /v1/completions}
 * @param promptTokens the prompt after the chat template and tokenization
 * @param maxTokens the output limit, defaulted to what the context has left
 * @param requestedMaxTokens {@code max_tokens}/{@code max_completion_tokens} as sent, or null
 */
record ParsedRequest(
    boolean chat,
    String model,
    int[] promptTokens,
    int maxTokens,
    @Nullable Integer requestedMaxTokens,
    int minTokens,
    boolean ignoreEos,
    boolean stream,
    boolean includeUsage,
    boolean continuousUsage,
    @Nullable Double temperature,
    @Nullable Double topP) {}
