/**
 * The twin's own llm_request spans, shaped as vLLM's --otlp-traces-endpoint sends them, so the
 * worker's exact phases are tested.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.sim.tracing;
