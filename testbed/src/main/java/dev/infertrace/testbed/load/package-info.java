/**
 * The demo's and bench's closed-loop streaming chat generator with live TTFT/ITL (the product's
 * benchmark tool is {@code infertrace load}, in dev.infertrace.load).
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.load;
