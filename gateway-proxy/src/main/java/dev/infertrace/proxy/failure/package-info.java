/**
 * The proxy's failure kinds, each with its status, OpenAI error type and metric label, and the
 * OpenAI-form error responses made from them. Depends on nothing else in the proxy. Internal: not
 * an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.failure;
