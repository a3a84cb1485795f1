/**
 * The OpenTelemetry Java agent extension: configuration, resource provider and LlmCall, the GenAI
 * CLIENT span of one call whatever the HTTP client.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.agent;
