/**
 * Bounded timelines of sampled state (engine gauges, GPU samples), read back over a phase's window.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.core.state;
