/**
 * A request's time split into named segments that add up to its ingress SERVER span, from the
 * proxies' own segments, the worker's span and the engine's phases; see src/docs/explain.md.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.explain.attribution;
