/**
 * An OTLP sink for tests: receives real OTLP from the SDK under test and lets the test read the
 * spans back.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.testbed.otlp;
