/** ./infertrace load: a streaming chat load generator with live TTFT/ITL, closed or open loop. */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.load;
