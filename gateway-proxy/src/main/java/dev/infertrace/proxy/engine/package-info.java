/**
 * Exact engine phases: vLLM's own llm_request spans matched to the worker's requests, turned into
 * llm.queue/prefill/decode spans, or stream-measured ones when none comes. Internal: not an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.engine;
