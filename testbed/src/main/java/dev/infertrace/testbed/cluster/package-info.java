/**
 * The traced stack on the simulated cluster — twins, sidecars, the reference EPP behind the
 * interposer, the ingress as gateway — shared by the demo and the scenarios.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.cluster;
