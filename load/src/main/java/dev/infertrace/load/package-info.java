/**
 * {@code infertrace load}: benchmarks an OpenAI-compatible endpoint — closed and open loop, sweeps,
 * TTFT/TPOT/ITL/E2E, goodput, a W3C trace id per request — and writes JSON, CSV and an offline HTML
 * report linked to explain's trace pages. A command of the product image, beside the proxies.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.load;
