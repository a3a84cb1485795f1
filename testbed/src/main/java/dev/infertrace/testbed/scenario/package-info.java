/**
 * {@code ./infertrace scenarios}: a traced stack of simulated workers under steady load, one
 * injected cause at a time, with the ground truth of every request, for scoring a diagnosis.
 */
package dev.infertrace.testbed.scenario;
