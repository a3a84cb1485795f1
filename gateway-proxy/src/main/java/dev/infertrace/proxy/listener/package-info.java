/**
 * What every listener of a proxy process shares — the proxy's, the admin endpoint's, the OTLP
 * receivers': a start failure that names the address and its flag, and closing idle connections.
 * Depends on nothing else in the proxy.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.listener;
