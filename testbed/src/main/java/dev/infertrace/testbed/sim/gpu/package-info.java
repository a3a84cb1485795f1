/**
 * The twin's GPUs and their dcgm-exporter page: clocks, power, temperature, utilisation, XID
 * errors, clocks-event reasons and throttled time, with the exporter's labels.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.sim.gpu;
