/**
 * Instrumentation of the JDK HttpClient (send, sendAsync) for LLM calls; the advice hands the bytes
 * to LlmCall.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.agent.jdk;
