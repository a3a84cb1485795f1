/**
 * The twin's HTTP server: OpenAI chat and completions (SSE and JSON) as vLLM answers them, its
 * errors, /metrics, and the fault admin API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.sim.http;
