package dev.infertrace.proxy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --config FILE}: a YAML file whose keys are the long option names without dashes ({@code
 * listen}, {@code upstream}, {@code response-timeout}, {@code slo}, ...). Precedence: a flag, then
 * its environment variable, then the file, then the built-in default. Unknown keys are an error
 * that names them.
 *
 * <pre>
 * listen: 127.0.0.1:8080
 * upstream: [http://gateway:80]
 * response-timeout: 120s
 * slo:
 *   llama-3.1-8b: ttft:500ms,tpot:50ms
 * </pre>
 */
public final class ConfigFile implements IDefaultValueProvider {
  private final Path path;
  private final Map<String, String> values;

  private ConfigFile(Path path, Map<String, String> values) {
    this.path = path;
    this.values = values;
  }

  /** Reads {@code path}, checking its keys against {@code known} option names. */
  public static ConfigFile read(Path path, Set<String> known) throws IOException {
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(path));
    Map<String, String> values = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new ConfigFile(path, values);
    }
    if (!root.isObject()) {
      throw new IOException(path + ": expected a mapping of option names to values");
    }
    List<String> unknown = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!known.contains(e.getKey())) {
        unknown.add(e.getKey());
        continue;
      }
      values.put(e.getKey(), text(e.getKey(), e.getValue()));
    }
    if (!unknown.isEmpty()) {
      throw new IOException(
          path + ": unknown option(s) " + unknown + "; known: " + new java.util.TreeSet<>(known));
    }
    return new ConfigFile(path, values);
  }

  private static String text(String key, JsonNode v) {
    if (v.isArray()) {
      List<String> parts = new ArrayList<>();
      v.forEach(item -> parts.add(item.asText()));
      return String.join(",", parts);
    }
    if (v.isObject()) { // slo: {model: spec}
      List<String> parts = new ArrayList<>();
      v.fields().forEachRemaining(f -> parts.add(f.getKey() + "=" + f.getValue().asText()));
      return String.join(";", parts);
    }
    return v.asText();
  }

  @Override
  @Nullable
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option)) {
      return null;
    }
    String name = option.longestName().replaceFirst("^--", "");
    String env =
        System.getenv("INFERTRACE_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    if (env != null && !env.isBlank()) {
      return null; // the option's own ${env:...} default applies
    }
    return values.get(name);
  }

  /** The values read, by option name. */
  public Map<String, String> values() {
    return Map.copyOf(values);
  }

  public Path path() {
    return path;
  }
}
