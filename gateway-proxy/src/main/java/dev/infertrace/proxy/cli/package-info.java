/**
 * Command-line plumbing shared by the role commands: option converters, the --config YAML file,
 * shared option groups. Internal: not an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.cli;
