package dev.infertrace.agent;

import static dev.infertrace.core.text.Strings.isBlank;
import static dev.infertrace.core.text.Strings.strip;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import javax.annotation.Nullable;

/**
 * The extension's options: system property {@code otel.infertrace.KEY} or environment variable
 * {@code OTEL_INFERTRACE_KEY} (upper case, dots as underscores), as every OpenTelemetry Java agent
 * option. Read once, at first use.
 */
public final class InfertraceConfig {
  /** Paths (suffixes) of OpenAI-compatible calls that get GenAI spans. */
  public static final List<String> PATHS =
      list(get("paths", "/v1/chat/completions,/v1/completions"));

  /** Request bodies up to this size are read (model, stream, max_tokens; never the text). */
  public static final int SNIFF_LIMIT = Integer.parseInt(get("sniff.limit", "1048576"));

  /** {@code gen_ai.provider.name} for hosts other than api.openai.com. */
  public static final String PROVIDER = get("provider", "vllm");

  /** Whether the GenAI client spans are made at all. */
  public static final boolean ENABLED = Boolean.parseBoolean(get("enabled", "true"));

  private InfertraceConfig() {}

  /** The value of {@code otel.infertrace.KEY}, or {@code def}. */
  public static String get(String key, String def) {
    String v = getOrNull(key);
    return v == null ? def : v;
  }

  @Nullable
  public static String getOrNull(String key) {
    String v = System.getProperty("otel.infertrace." + key);
    if (v == null || isBlank(v)) {
      v = System.getenv("OTEL_INFERTRACE_" + key.toUpperCase(Locale.ROOT).replace('.', '_'));
    }
    return v == null || isBlank(v) ? null : strip(v);
  }

  /** True when {@code path} is one of the configured LLM endpoints. */
  public static boolean matches(@Nullable String path) {
    if (!ENABLED || path == null) {
      return false;
    }
    for (String p : PATHS) {
      if (path.endsWith(p)) {
        return true;
      }
    }
    return false;
  }

  static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      if (!isBlank(s)) {
        out.add(strip(s));
      }
    }
    return Collections.unmodifiableList(out);
  }
}
