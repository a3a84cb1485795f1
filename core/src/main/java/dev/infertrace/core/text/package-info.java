/** String helpers of Java 11+ that core, a Java 8 library, writes out (see Strings). */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.core.text;
