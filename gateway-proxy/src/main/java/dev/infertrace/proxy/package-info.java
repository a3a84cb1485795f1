/**
 * The proxy's API: ProxyMain (the commands), ProxyRuntime and EppRuntime (a running proxy, for
 * embedding and tests); it wires the other packages and nothing depends on it.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy;
