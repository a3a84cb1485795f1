/**
 * {@code ./infertrace soak}: the traced stack (ingress as the gateway, the epp interposer before
 * the reference EPP, worker sidecars before vLLM twins) driven at a fraction of its measured
 * saturation for a long run while the collector, the DCGM exporters, the EPP and one worker's twin
 * are killed and restarted on a schedule; every request, span, byte of memory and file descriptor
 * accounted.
 */
package dev.infertrace.testbed.soak;
