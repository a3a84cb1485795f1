/**
 * The registry of real peers (collector, Jaeger, llm-d-inference-sim, nginx...) and where
 * scripts/install-peers.sh put them.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.peers;
