/**
 * The worker's OTLP receivers (gRPC and HTTP) for vLLM's --otlp-traces-endpoint; loopback peers
 * only unless configured otherwise. Internal: not an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.otlp;
