package dev.infertrace.testbed.sim.http;

/**
 * API-server options of the twin, named after vLLM's flags.
 *
 * @param model the served model name ({@code --served-model-name} / {@code --model})
 * @param promptTokensDetails report {@code prompt_tokens_details.cached_tokens} ({@code
 *     --enable-prompt-tokens-details})
 * @param forceIncludeUsage send the usage chunk on every stream ({@code
 *     --enable-force-include-usage})
 * @param maxBodyBytes largest request body accepted; larger ones get 413
 */
public record SimHttpOptions(
    String model, boolean promptTokensDetails, boolean forceIncludeUsage, int maxBodyBytes) {}
