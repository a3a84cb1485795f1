/**
 * The twin's GPUs and their dcgm-exporter page: clocks, power, temperature, utilisation, XID
 * errors, with the exporter's labels.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.sim.gpu;
