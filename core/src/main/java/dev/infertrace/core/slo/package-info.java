/**
 * Latency objectives (TTFT, TPOT) per model and from llm-d request headers, and whether a request
 * met them.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.core.slo;
