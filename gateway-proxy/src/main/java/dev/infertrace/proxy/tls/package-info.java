/**
 * Certificates and keys from PEM files, for the webhook's serving identity and the OTLP exporter's
 * trust and client identity. Internal: not an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.tls;
