/**
 * The part of the JDK HttpClient instrumentation that links against {@code java.net.http} (Java 11)
 * and {@code HttpRequest.newBuilder(request, filter)} (Java 16): the advice and its helpers. Java 8
 * bytecode like the rest of the jar, but compiled against the building JDK's API (the pom's second
 * compiler pass), so its classes must be loaded only where the module applies: Java 16+, where
 * {@code jdk.internal.net.http.HttpClientImpl} exists. Nothing outside this package names them
 * except by string (Java8FloorIT checks it).
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.agent.jdk.http;
