package dev.infertrace.agent.okhttp;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import okhttp3.OkHttpClient;

/**
 * Every {@code OkHttpClient} gets the LLM interceptor from the builder it is made of ({@code
 * OkHttpClient(Builder)}, which {@code new OkHttpClient()} and {@code Builder.build()} both call),
 * unless the builder has it: a builder copied from a client ({@code newBuilder()}, as the OpenAI
 * SDK does per request) keeps the client's interceptors. Not at the builder's construction:
 * Kotlin's copying constructor runs the no-argument one first, then adds the client's interceptors
 * — the interceptor would be there twice.
 */
public final class OkHttpClientInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("okhttp3.OkHttpClient");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isConstructor()
            .and(takesArguments(1))
            .and(takesArgument(0, named("okhttp3.OkHttpClient$Builder"))),
        OkHttpClientInstrumentation.class.getName() + "$ConstructorAdvice");
  }

  @SuppressWarnings("unused")
  public static class ConstructorAdvice {
    private ConstructorAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.Argument(0) OkHttpClient.Builder builder) {
      LlmInterceptor.install(builder);
    }
  }
}
