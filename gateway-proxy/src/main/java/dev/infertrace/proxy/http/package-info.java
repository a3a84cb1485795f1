/**
 * The request path: client pipeline, one Exchange per request and its parts (RequestBody,
 * GatewayRoute, UpstreamLeg, ResponseRelay, ExchangeSpans); see src/docs/architecture.md. Internal:
 * not an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.http;
