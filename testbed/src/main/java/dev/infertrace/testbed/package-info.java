/**
 * The testbed CLI (sim, load, demo, ref-epp, bench, peers): stand-ins for a GPU cluster so
 * everything runs and is tested without one.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed;
