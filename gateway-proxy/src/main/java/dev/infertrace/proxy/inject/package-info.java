/**
 * Sidecar injection: a mutating admission webhook that gives annotated vLLM pods the worker sidecar
 * (a native sidecar), points vLLM's engine tracing at it, and answers every other pod unchanged.
 * {@link dev.infertrace.proxy.inject.SidecarInjector} decides and writes the JSON Patch; {@link
 * dev.infertrace.proxy.inject.AdmissionHandler} speaks AdmissionReview v1; {@link
 * dev.infertrace.proxy.inject.WebhookServer} serves it over TLS.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.inject;
