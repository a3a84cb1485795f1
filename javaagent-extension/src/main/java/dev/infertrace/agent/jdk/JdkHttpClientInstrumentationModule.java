package dev.infertrace.agent.jdk;

import dev.infertrace.agent.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;

/**
 * GenAI client spans for {@code java.net.http.HttpClient} ({@code send} and {@code sendAsync}):
 * disable with {@code otel.instrumentation.infertrace-jdk-http-client.enabled=false}.
 */
public final class JdkHttpClientInstrumentationModule extends InstrumentationModule {
  public JdkHttpClientInstrumentationModule() {
    super("infertrace-jdk-http-client", "infertrace");
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return HelperClasses.reachableFrom("dev.infertrace.agent.jdk.JdkLlmCalls");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new HttpClientImplInstrumentation());
  }
}
