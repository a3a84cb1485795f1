package dev.infertrace.agent.okhttp;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import dev.infertrace.agent.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Collections;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * GenAI client spans for OkHttp 4 (the OpenAI Java SDK's transport): applies only where OkHttp is
 * on the class path; disable with {@code otel.instrumentation.infertrace-okhttp.enabled=false}.
 */
public final class OkHttpInstrumentationModule extends InstrumentationModule {
  public OkHttpInstrumentationModule() {
    super("infertrace-okhttp", "infertrace");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed("okhttp3.OkHttpClient", "okhttp3.Interceptor", "okio.ForwardingSource");
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return HelperClasses.reachableFrom("dev.infertrace.agent.okhttp.LlmInterceptor");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.<TypeInstrumentation>singletonList(new OkHttpClientInstrumentation());
  }
}
