package dev.infertrace.agent.jdk;

import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code jdk.internal.net.http.HttpClientImpl}'s private four-argument {@code sendAsync}: every
 * {@code send} and {@code sendAsync} of the JDK client ends up there, once per call (after the
 * agent's own HTTP span started, whose context is current). The public {@code send} is instrumented
 * too: when it throws (a timeout, a refused connection), the span ends on the caller's thread
 * before the exception reaches the application, not on the client's thread a moment later, when the
 * application may already have moved on or exited. Loaded on every JDK the agent runs on, so it
 * names {@code java.net.http} types by name only; the advice that uses them is in {@code
 * dev.infertrace.agent.jdk.http}.
 */
public final class HttpClientImplInstrumentation implements TypeInstrumentation {
  /** {@code dev.infertrace.agent.jdk.http.JdkSendAdvice}, by name: it links java.net.http. */
  static final String ADVICE = "dev.infertrace.agent.jdk.http.JdkSendAdvice";

  /** {@code dev.infertrace.agent.jdk.http.JdkSyncSendAdvice}, on the public {@code send}. */
  static final String SYNC_ADVICE = "dev.infertrace.agent.jdk.http.JdkSyncSendAdvice";

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
        ADVICE);
    transformer.applyAdviceToMethod(
        named("send")
            .and(isPublic())
            .and(takesArguments(2))
            .and(takesArgument(0, named("java.net.http.HttpRequest"))),
        SYNC_ADVICE);
  }
}
