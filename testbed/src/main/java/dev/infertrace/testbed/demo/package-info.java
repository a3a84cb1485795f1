/**
 * ./infertrace demo: the whole traced stack on the simulated cluster, a mid-run GPU fault, and the
 * report read back from the trace file.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.demo;
