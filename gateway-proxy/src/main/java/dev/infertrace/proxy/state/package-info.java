/**
 * The worker's view of its engine and GPUs: vLLM and DCGM scrapers off the request path, and the
 * attributes they put on a phase span. Internal: not an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.state;
