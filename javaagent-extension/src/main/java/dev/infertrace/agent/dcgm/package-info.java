/**
 * DCGM state on the agent's SERVER spans (opt-in): a span processor reading the node's
 * dcgm-exporter off the request path.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.agent.dcgm;
