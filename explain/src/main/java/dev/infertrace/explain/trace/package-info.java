/**
 * Traces as explain reads them: OTLP/JSON from the proxy's trace file, Jaeger or Tempo, grouped by
 * trace id; span attributes as plain Java values.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.explain.trace;
