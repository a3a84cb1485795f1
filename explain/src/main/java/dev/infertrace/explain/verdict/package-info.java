/**
 * One verdict per request — component, phase, cause and the evidence — from its attribution,
 * measured against what healthy requests of the same shape took in the same window.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.explain.verdict;
