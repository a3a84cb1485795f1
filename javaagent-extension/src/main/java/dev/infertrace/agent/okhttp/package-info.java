/**
 * Instrumentation of OkHttp 4 for LLM calls: an interceptor added to every client, the response
 * body observed as the application reads it.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.agent.okhttp;
