package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The proxy's packages depend on each other one way (src/docs/architecture.md): the dependencies of
 * the compiled classes, as the JDK's {@code jdeps} reads them, have no cycle.
 */
class PackageCyclesTest {
  @Test
  void thePackageGraphHasNoCycle() {
    Map<String, Set<String>> graph = packageGraph(Path.of("target/classes"));
    assertThat(graph)
        .as("jdeps found the proxy's packages")
        .containsKey("dev.infertrace.proxy.http");

    List<String> cycles = new ArrayList<>();
    for (String from : graph.keySet()) {
      for (String to : graph.get(from)) {
        if (from.compareTo(to) < 0 && reaches(graph, to, from, new TreeSet<>())) {
          cycles.add(from + " <-> " + to);
        }
      }
    }
    assertThat(cycles).as("package cycles").isEmpty();
  }

  /** Package → the proxy packages its classes use, from {@code jdeps -verbose:package}. */
  static Map<String, Set<String>> packageGraph(Path classes) {
    assertThat(Files.isDirectory(classes)).as(classes + " (run from the module)").isTrue();
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    int rc =
        jdeps.run(
            new PrintWriter(out),
            new PrintWriter(new StringWriter()),
            "-verbose:package",
            "-e",
            "dev\\.infertrace\\.proxy.*",
            classes.toString());
    assertThat(rc).as("jdeps: " + out).isZero();
    Map<String, Set<String>> graph = new TreeMap<>();
    for (String line : out.toString().split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 3 && f[1].equals("->") && f[0].startsWith("dev.infertrace.proxy")) {
        graph.computeIfAbsent(f[0], k -> new TreeSet<>());
        if (!f[0].equals(f[2])) {
          graph.get(f[0]).add(f[2]);
        }
      }
    }
    return graph;
  }

  private static boolean reaches(
      Map<String, Set<String>> graph, String from, String target, Set<String> seen) {
    if (from.equals(target)) {
      return true;
    }
    if (!seen.add(from)) {
      return false;
    }
    for (String next : graph.getOrDefault(from, Set.of())) {
      if (reaches(graph, next, target, seen)) {
        return true;
      }
    }
    return false;
  }
}
