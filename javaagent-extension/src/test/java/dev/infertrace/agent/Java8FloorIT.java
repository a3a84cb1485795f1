package dev.infertrace.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.codehaus.mojo.animal_sniffer.SignatureChecker;
import org.codehaus.mojo.animal_sniffer.logging.PrintWriterLogger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built extension jar runs where the agent runs, Java 8 and up: every class in it is Java 8
 * bytecode, and every class that a JVM older than 16 may load uses only the Java 8 API. The classes
 * that link against {@code java.net.http} ({@code dev.infertrace.agent.jdk.http}, loaded only where
 * the JDK client module applies, Java 16+) are the one exception to the API rule, and nothing else
 * in the jar refers to them or to {@code java.net.http}. No Java 8 JVM is installed here: the run
 * on a JDK without {@code java.net.http} is in {@link JavaAgentExtensionIT}.
 */
class Java8FloorIT {
  /** Class file major version of Java 8. */
  private static final int JAVA_8 = 52;

  /** Where the classes that need Java 16 (java.net.http) live, as an internal name prefix. */
  private static final String NEEDS_JAVA_16 = "dev/infertrace/agent/jdk/http/";

  private static Map<String, byte[]> classes() throws Exception {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (JarFile jar = new JarFile(ChildJvm.extensionJar().toFile())) {
      Enumeration<JarEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        JarEntry e = entries.nextElement();
        if (e.getName().endsWith(".class")) {
          try (InputStream in = jar.getInputStream(e)) {
            out.put(e.getName(), in.readAllBytes());
          }
        }
      }
    }
    return out;
  }

  @Test
  void everyClassInTheJarIsJava8Bytecode() throws Exception {
    Map<String, byte[]> classes = classes();
    assertThat(classes.keySet())
        .as("ours, core's and the relocated Jackson core")
        .anyMatch(n -> n.startsWith("dev/infertrace/agent/"))
        .anyMatch(n -> n.startsWith("dev/infertrace/core/"))
        .anyMatch(n -> n.startsWith("dev/infertrace/agent/shaded/jackson/"))
        .noneMatch(n -> n.startsWith("META-INF/versions/"))
        .noneMatch(n -> n.endsWith("module-info.class"));
    Map<String, Integer> above = new LinkedHashMap<>();
    classes.forEach(
        (name, bytes) -> {
          int magic =
              ((bytes[0] & 0xff) << 24)
                  | ((bytes[1] & 0xff) << 16)
                  | ((bytes[2] & 0xff) << 8)
                  | (bytes[3] & 0xff);
          assertThat(magic).as("%s is a class file", name).isEqualTo(0xCAFEBABE);
          int major = ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
          if (major > JAVA_8) {
            above.put(name, major);
          }
        });
    assertThat(above).as("classes above Java 8 (major version 52)").isEmpty();
  }

  @Test
  void onlyTheJava16PackageNamesJavaNetHttp() throws Exception {
    List<String> offenders = new ArrayList<>();
    classes()
        .forEach(
            (name, bytes) -> {
              // Internal names and descriptors are in the constant pool as they are written here;
              // a name given as a string (the advice's) is written with dots.
              String text = new String(bytes, StandardCharsets.ISO_8859_1);
              if (!name.startsWith(NEEDS_JAVA_16)
                  && (text.contains("java/net/http/") || text.contains(NEEDS_JAVA_16))) {
                offenders.add(name);
              }
            });
    assertThat(offenders)
        .as("classes outside %s that refer to java.net.http or to that package", NEEDS_JAVA_16)
        .isEmpty();
  }

  /**
   * javac's release 8 checks the extension's and core's own sources; this checks what the jar
   * holds, the shaded Jackson core included, against the Java 8 API as animal-sniffer's {@code
   * java18} signature records it.
   */
  @Test
  void everythingAJava8JvmLoadsUsesOnlyTheJava8Api(@TempDir Path dir) throws Exception {
    Path java8 = dir.resolve("java8");
    Set<String> classes = write(java8, name -> !name.startsWith(NEEDS_JAVA_16));
    // Not the JDK's: the classes checked (not those that need Java 16: a reference to one of
    // them is an error), and what the agent or the application provides.
    Set<String> ignored = new TreeSet<>(classes);
    ignored.addAll(PROVIDED);
    Check java8Check = signatureCheck(java8, ignored);
    assertThat(java8Check.broken())
        .as("references outside the Java 8 API:%n%s", java8Check.report())
        .isFalse();

    // The check sees what it is for: the classes that need Java 16 fail it.
    Path java16 = dir.resolve("java16");
    Set<String> ours = write(java16, name -> name.startsWith(NEEDS_JAVA_16));
    Set<String> ignored16 = new TreeSet<>(PROVIDED);
    ignored16.add("dev.infertrace.*");
    assertThat(ours).isNotEmpty();
    Check java16Check = signatureCheck(java16, ignored16);
    assertThat(java16Check.broken()).isTrue();
    assertThat(java16Check.report())
        .as("a Java 11 package, and a Java 9 type in a Java 8 package")
        .contains("java.net.http")
        .contains("java.util.concurrent.Flow");
  }

  /** Packages the agent or the application provides at run time. */
  private static final List<String> PROVIDED =
      List.of(
          "io.opentelemetry.*",
          "net.bytebuddy.*",
          "okhttp3.*",
          "okio.*",
          "kotlin.*",
          "javax.annotation.*");

  /** Writes the jar's classes whose names pass {@code filter} under {@code dir}; their names. */
  private static Set<String> write(Path dir, Predicate<String> filter) throws Exception {
    Set<String> written = new TreeSet<>();
    for (Map.Entry<String, byte[]> c : classes().entrySet()) {
      String name = c.getKey();
      if (!filter.test(name)) {
        continue;
      }
      written.add(name.substring(0, name.length() - ".class".length()));
      Path file = dir.resolve(name);
      Files.createDirectories(file.getParent());
      Files.write(file, c.getValue());
    }
    return written;
  }

  private record Check(boolean broken, String report) {}

  /** animal-sniffer's check of the classes under {@code dir} against the Java 8 signature. */
  private static Check signatureCheck(Path dir, Set<String> ignored) throws IOException {
    ByteArrayOutputStream report = new ByteArrayOutputStream();
    try (InputStream signature =
            Files.newInputStream(Path.of("target", "signatures", "java18.signature"));
        PrintStream log = new PrintStream(report, true, StandardCharsets.UTF_8)) {
      SignatureChecker checker =
          new SignatureChecker(signature, ignored, new PrintWriterLogger(log));
      checker.setSourcePath(List.of()); // no sources: no @IgnoreJRERequirement to honour
      checker.process(dir.toFile());
      return new Check(checker.isSignatureBroken(), report.toString(StandardCharsets.UTF_8));
    }
  }
}
