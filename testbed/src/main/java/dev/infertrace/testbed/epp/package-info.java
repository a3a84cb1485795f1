/**
 * A reference Endpoint Picker speaking ext_proc (queue, KV and prefix scorers), for routing tests
 * and the demo.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.epp;
