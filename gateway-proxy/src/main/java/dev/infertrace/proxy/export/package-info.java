/**
 * Span exporters of the proxy: OTLP/gRPC with its own encoder, the OTLP JSON lines file, and the
 * counting queue whose counts /metrics shows. Internal: not an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.export;
