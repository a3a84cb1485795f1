/**
 * Every span attribute and metric name infertrace writes, grouped by namespace;
 * src/docs/attributes.md is the reference, checked against these constants.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.core.schema;
