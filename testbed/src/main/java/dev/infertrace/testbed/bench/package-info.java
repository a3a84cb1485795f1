/**
 * ./infertrace bench: infertrace against direct, nginx, HAProxy and LiteLLM, latency, throughput,
 * CPU and RSS measured from processes.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.bench;
