/**
 * The vLLM V1 + dcgm-exporter twin: an engine model, its GPUs, the OpenAI HTTP API, vLLM's metrics
 * and spans, fault injection.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.sim;
