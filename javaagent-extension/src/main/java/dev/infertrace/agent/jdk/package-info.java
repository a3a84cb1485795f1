/**
 * Instrumentation of the JDK HttpClient (send, sendAsync) for LLM calls: the module and the type
 * instrumentation, loaded on every JDK; the advice and the code that handles the client's types,
 * which need Java 16, are in {@code dev.infertrace.agent.jdk.http}.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.agent.jdk;
