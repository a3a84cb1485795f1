package dev.infertrace.agent.jdk;

import static net.bytebuddy.matcher.ElementMatchers.any;
import static net.bytebuddy.matcher.ElementMatchers.none;

import dev.infertrace.agent.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Collections;
import java.util.List;
import javax.annotation.Nullable;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * GenAI client spans for {@code java.net.http.HttpClient} ({@code send} and {@code sendAsync}):
 * disable with {@code otel.instrumentation.infertrace-jdk-http-client.enabled=false}. Applies on
 * Java 16 and later only (it re-builds requests with {@code HttpRequest.newBuilder(request,
 * filter)}); on older JDKs, Java 8 included, it matches no class loader, so that its advice and
 * helpers ({@code dev.infertrace.agent.jdk.http}, which link {@code java.net.http}) are never
 * loaded.
 */
public final class JdkHttpClientInstrumentationModule extends InstrumentationModule {
  /** The first Java release with every JDK client method the helpers call. */
  static final int MIN_JAVA = 16;

  public JdkHttpClientInstrumentationModule() {
    super("infertrace-jdk-http-client", "infertrace");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return javaFeature(System.getProperty("java.specification.version")) >= MIN_JAVA
        ? any()
        : none();
  }

  /**
   * The feature release in a {@code java.specification.version}: {@code 1.8} is 8, {@code 17} is
   * 17; 0 when it cannot be read.
   */
  static int javaFeature(@Nullable String specificationVersion) {
    if (specificationVersion == null) {
      return 0;
    }
    String v =
        specificationVersion.startsWith("1.")
            ? specificationVersion.substring(2)
            : specificationVersion;
    int dot = v.indexOf('.');
    try {
      return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return HelperClasses.reachableFrom("dev.infertrace.agent.jdk.http.JdkLlmCalls");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.<TypeInstrumentation>singletonList(new HttpClientImplInstrumentation());
  }
}
