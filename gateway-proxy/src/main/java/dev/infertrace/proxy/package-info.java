/**
 * The proxy process: role commands, runtime wiring, configuration, telemetry setup; it wires the
 * other packages and nothing depends on it.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy;
