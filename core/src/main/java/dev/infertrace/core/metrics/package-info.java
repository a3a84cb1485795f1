/**
 * Prometheus text exposition parsing, for vLLM and dcgm-exporter pages; no HTTP here: callers fetch
 * the page.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.core.metrics;
