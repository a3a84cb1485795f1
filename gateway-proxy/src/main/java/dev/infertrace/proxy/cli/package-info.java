/**
 * Command-line plumbing shared by the role commands: option converters, the --config YAML file,
 * shared option groups.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.cli;
