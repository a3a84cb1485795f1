/**
 * A response observed as it passes (SSE or JSON): ResponseTap, its summary, the latencies defined
 * once (Latencies) and the attributes written from them; no OpenTelemetry dependency.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.core.stream;
