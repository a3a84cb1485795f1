package dev.infertrace.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.annotation.Nullable;

/**
 * A child JVM running one of the test apps ({@code src/test/.../apps}) the way a user runs a
 * service: {@code -javaagent:} the real agent jar, the built extension, OTLP/gRPC to the test's
 * receiver. The agents are the jars Maven copied to {@code target/agents} (the pinned release and
 * the previous one); the JDKs are this one and any other JDK 17+ installed beside it.
 */
final class ChildJvm {
  private ChildJvm() {}

  /** What a child JVM printed and how it ended. */
  record Run(int exit, String output, String service) {
    String line(String key) {
      return output
          .lines()
          .filter(l -> l.startsWith(key + " "))
          .map(l -> l.substring(key.length() + 1))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no " + key + " line in:\n" + output));
    }
  }

  /** An agent jar and its version. */
  record Agent(String version, Path jar) {
    @Override
    public String toString() {
      return "agent " + version;
    }
  }

  /** A JDK and its feature release. */
  record Jdk(int feature, Path home) {
    Path java() {
      return home.resolve("bin").resolve("java");
    }

    @Override
    public String toString() {
      return "JDK " + feature;
    }
  }

  /** The agent the build pins: the one on the test class path. */
  static Agent pinnedAgent() {
    Path jar =
        classpath().stream()
            .filter(p -> p.getFileName().toString().matches("opentelemetry-javaagent-\\d.*\\.jar"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the agent jar is not on the test class path"));
    return new Agent(versionOf(jar), jar);
  }

  /** Every agent jar in {@code target/agents}, oldest first; the pinned one when none is there. */
  static List<Agent> agents() throws Exception {
    Path dir = Path.of("target", "agents");
    if (!Files.isDirectory(dir)) {
      return List.of(pinnedAgent());
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".jar"))
          .map(p -> new Agent(versionOf(p), p))
          .sorted(Comparator.comparing(Agent::version, ChildJvm::compareVersions))
          .toList();
    }
  }

  private static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  private static String versionOf(Path jar) {
    String name = jar.getFileName().toString();
    return name.substring("opentelemetry-javaagent-".length(), name.length() - ".jar".length());
  }

  /** This JDK, then every other JDK 17 or later in {@code /usr/lib/jvm} and {@code /opt}. */
  static List<Jdk> jdks() throws Exception {
    Path self = Path.of(System.getProperty("java.home")).toRealPath();
    List<Jdk> out = new ArrayList<>();
    out.add(new Jdk(Runtime.version().feature(), self));
    for (String root : new String[] {"/usr/lib/jvm", "/opt"}) {
      Path dir = Path.of(root);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> homes = Files.list(dir)) {
        for (Path home : homes.sorted().toList()) {
          Path release = home.resolve("release");
          if (!Files.isRegularFile(release) || !Files.isExecutable(home.resolve("bin/java"))) {
            continue;
          }
          int feature = featureOf(Files.readString(release));
          Path real = home.toRealPath();
          boolean seen =
              out.stream().anyMatch(j -> j.home().equals(real) || j.feature() == feature);
          if (feature >= 17 && !seen) {
            out.add(new Jdk(feature, real));
          }
        }
      }
    }
    return out;
  }

  private static int featureOf(String release) {
    for (String line : release.lines().toList()) {
      if (line.startsWith("JAVA_VERSION=")) {
        String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
        return Integer.parseInt(v.split("[.+-]")[0]);
      }
    }
    return 0;
  }

  static Path extensionJar() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      return files
          .filter(
              p -> p.getFileName().toString().matches("infertrace-javaagent-extension-.*\\.jar"))
          .filter(p -> !p.getFileName().toString().contains("original"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("build the extension first (mvn package)"));
    }
  }

  static List<Path> classpath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(Path::of)
        .toList();
  }

  /**
   * Runs {@code mainAndArgs} on {@code jdk}, with {@code agent} attached unless null; {@code
   * options} are {@code -D} options (keys without the {@code -D}), {@code env} environment
   * variables.
   */
  static Run run(
      Jdk jdk,
      @Nullable Agent agent,
      String otlpEndpoint,
      String classpath,
      Map<String, String> options,
      Map<String, String> env,
      List<String> mainAndArgs)
      throws Exception {
    return run(jdk, agent, otlpEndpoint, classpath, List.of(), options, env, mainAndArgs);
  }

  /** As above, with {@code jvmOptions} (e.g. {@code --limit-modules}) before the class path. */
  static Run run(
      Jdk jdk,
      @Nullable Agent agent,
      String otlpEndpoint,
      String classpath,
      List<String> jvmOptions,
      Map<String, String> options,
      Map<String, String> env,
      List<String> mainAndArgs)
      throws Exception {
    String service = "app-" + System.nanoTime();
    List<String> cmd = new ArrayList<>();
    cmd.add(jdk.java().toString());
    cmd.addAll(jvmOptions);
    if (agent != null) {
      cmd.add("-javaagent:" + agent.jar());
      cmd.add("-Dotel.javaagent.extensions=" + extensionJar());
      cmd.add("-Dotel.service.name=" + service);
      cmd.add("-Dotel.traces.exporter=otlp");
      cmd.add("-Dotel.exporter.otlp.protocol=grpc");
      cmd.add("-Dotel.exporter.otlp.endpoint=" + otlpEndpoint);
      cmd.add("-Dotel.metrics.exporter=none");
      cmd.add("-Dotel.logs.exporter=none");
      cmd.add("-Dotel.bsp.schedule.delay=100");
      options.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    }
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.addAll(mainAndArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), output, service);
  }
}
