/**
 * The twin's engine: continuous-batching scheduler, KV cache with prefix caching, step-time model;
 * deterministic under a given clock.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.sim.engine;
