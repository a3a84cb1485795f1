/**
 * The twin's vLLM /metrics page: the gauges, counters and histograms vLLM V1 exposes, named as vLLM
 * names them.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.sim.metrics;
