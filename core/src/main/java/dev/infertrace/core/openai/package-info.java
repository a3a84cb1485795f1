/**
 * Reads an OpenAI-compatible request body for the trace: operation, model, stream, limits; prompt
 * text is counted, never kept.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.core.openai;
