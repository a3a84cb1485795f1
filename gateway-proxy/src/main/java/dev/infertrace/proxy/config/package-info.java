/**
 * One proxy instance's configuration (ProxyConfig, its role) and every built-in default, written
 * once (ProxyDefaults); read by the request path, filled by the commands and ProxyRuntime.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.config;
