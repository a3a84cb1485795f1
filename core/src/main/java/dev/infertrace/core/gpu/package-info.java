/**
 * One DCGM exporter page read as per-GPU samples (utilisation, clocks, power, XID), shared by the
 * proxy and the agent.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.core.gpu;
