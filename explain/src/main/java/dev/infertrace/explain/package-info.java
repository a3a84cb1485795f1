/**
 * {@code ./infertrace explain}: reads traces and says where each request's time went. The command
 * only wires: reading is in {@code trace}, the split into segments in {@code attribution}.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.explain;
