/**
 * Span exporters of the proxy: the OTLP JSON lines file and the counting wrapper whose counts
 * /metrics shows. Internal: not an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.export;
