package dev.infertrace.agent.jdk;

import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code jdk.internal.net.http.HttpClientImpl}'s private four-argument {@code sendAsync}: every
 * {@code send} and {@code sendAsync} of the JDK client ends up there, once per call (after the
 * agent's own HTTP span started, whose context is current).
 */
public final class HttpClientImplInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("jdk.internal.net.http.HttpClientImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("sendAsync")
            .and(isPrivate())
            .and(takesArguments(4))
            .and(takesArgument(0, named("java.net.http.HttpRequest"))),
        HttpClientImplInstrumentation.class.getName() + "$SendAdvice");
  }

  @SuppressWarnings({"unused", "unchecked", "rawtypes"})
  public static class SendAdvice {
    private SendAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.Argument(value = 0, readOnly = false) HttpRequest request,
        @Advice.Argument(value = 1, readOnly = false) HttpResponse.BodyHandler handler,
        @Advice.Local("infertraceCall") Object call,
        @Advice.Local("infertraceScope") Object scope) {
      Object[] sent = JdkLlmCalls.onSend(request, handler);
      request = (HttpRequest) sent[0];
      handler = (HttpResponse.BodyHandler) sent[1];
      call = sent[2];
      scope = JdkLlmCalls.makeCurrent(call);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void onExit(
        @Advice.Local("infertraceCall") Object call,
        @Advice.Local("infertraceScope") Object scope,
        @Advice.Return CompletableFuture<?> result,
        @Advice.Thrown Throwable thrown) {
      JdkLlmCalls.onSent(call, scope, result, thrown);
    }
  }
}
