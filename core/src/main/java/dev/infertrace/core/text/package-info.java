/**
 * Text helpers of core, a Java 8 library: the Java 11+ string methods it writes out (Strings) and
 * the duration syntax every command shares (Durations).
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.core.text;
