/**
 * The admin listener (/metrics, /health, /ready) and the proxy's own metrics with trace exemplars
 * (OpenMetrics). Internal: not an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.admin;
