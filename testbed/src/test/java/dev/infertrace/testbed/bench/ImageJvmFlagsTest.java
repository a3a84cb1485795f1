package dev.infertrace.testbed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The bench starts the proxies with the image's JVM flags, so its figures are the product's. */
class ImageJvmFlagsTest {
  @Test
  void theBenchRunsTheProxyWithTheJvmFlagsOfTheImage() throws Exception {
    String pom = Files.readString(Path.of("../gateway-proxy/pom.xml"));
    Matcher block = Pattern.compile("<jvmFlags>(.*?)</jvmFlags>", Pattern.DOTALL).matcher(pom);
    assertThat(block.find()).as("Jib's jvmFlags in gateway-proxy/pom.xml").isTrue();
    List<String> image = new ArrayList<>();
    Matcher flag = Pattern.compile("<jvmFlag>([^<]*)</jvmFlag>").matcher(block.group(1));
    while (flag.find()) {
      image.add(flag.group(1).trim());
    }
    assertThat(image).contains("${image.aot}"); // the cache, when one is trained: not the bench's
    image.remove("${image.aot}");
    assertThat(Variant.IMAGE_JVM_FLAGS).containsExactlyElementsOf(image);
  }
}
