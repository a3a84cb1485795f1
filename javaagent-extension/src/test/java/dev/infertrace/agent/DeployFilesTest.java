package dev.infertrace.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Operator resource and the extension image agree: the CR names a directory the Jib image
 * fills, on a base with a shell (the init container runs cp), and every env option it sets is one
 * the extension reads.
 */
class DeployFilesTest {
  @Test
  void theInstrumentationResourceAndTheImageFitTogether() throws Exception {
    JsonNode cr =
        new ObjectMapper(new YAMLFactory())
            .readTree(Files.readString(Path.of("deploy/instrumentation.yaml")));
    assertThat(cr.path("apiVersion").asText()).isEqualTo("opentelemetry.io/v1alpha1");
    assertThat(cr.path("kind").asText()).isEqualTo("Instrumentation");
    JsonNode ext = cr.at("/spec/java/extensions/0");
    assertThat(ext.path("image").asText()).contains("infertrace-javaagent-extension");
    String dir = ext.path("dir").asText();

    // The image is built by Jib from this module's pom: the jar goes into that directory, on a
    // base with a shell (busybox by default).
    String pom = Files.readString(Path.of("pom.xml"));
    assertThat(pom).contains("<into>" + dir + "</into>");
    assertThat(Files.readString(Path.of("../pom.xml")))
        .containsPattern("<extension.image.base>busybox:");

    Set<String> env = new HashSet<>();
    cr.at("/spec/java/env").forEach(e -> env.add(e.path("name").asText()));
    String readme = Files.readString(Path.of("README.md"));
    for (String name : env) {
      if (name.startsWith("OTEL_INFERTRACE_")) {
        assertThat(readme).as("%s documented", name).contains("`" + name + "`");
      }
    }
    assertThat(env).contains("POD_NAME", "POD_NAMESPACE", "NODE_NAME");
  }

  @Test
  void everyOptionTheCodeReadsIsInTheTable() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("InfertraceConfig\\.(?:get|getOrNull)\\(\\s*\"([a-z.]+)\"")
            .matcher(
                String.join(
                    "\n",
                    Files.readString(
                        Path.of("src/main/java/dev/infertrace/agent/InfertraceConfig.java")),
                    Files.readString(
                        Path.of(
                            "src/main/java/dev/infertrace/agent/InfertraceAutoConfiguration.java")),
                    Files.readString(
                        Path.of(
                            "src/main/java/dev/infertrace/agent/InfertraceResourceProvider.java"))));
    int n = 0;
    while (m.find()) {
      n++;
      assertThat(readme).contains("`otel.infertrace." + m.group(1) + "`");
    }
    java.util.regex.Matcher own =
        java.util.regex.Pattern.compile("\\bget\\(\"([a-z.]+)\"")
            .matcher(
                Files.readString(
                    Path.of("src/main/java/dev/infertrace/agent/InfertraceConfig.java")));
    while (own.find()) {
      n++;
      assertThat(readme).contains("`otel.infertrace." + own.group(1) + "`");
    }
    assertThat(n).isGreaterThanOrEqualTo(6);
  }
}
