/**
 * Faults injected into the twin on a schedule (throttle, XID, KV pressure, stalls), as CLI specs or
 * over its admin API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.sim.fault;
