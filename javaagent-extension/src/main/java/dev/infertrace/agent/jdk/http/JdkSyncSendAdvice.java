package dev.infertrace.agent.jdk.http;

import net.bytebuddy.asm.Advice;

/**
 * The advice on the public {@code HttpClientImpl.send(request, handler)} (see {@code
 * HttpClientImplInstrumentation}): a {@code send} that throws ends its call's span on the caller's
 * thread, before the exception reaches the application.
 */
@SuppressWarnings("unused")
public final class JdkSyncSendAdvice {
  private JdkSyncSendAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  public static Object[] onEnter() {
    return JdkLlmCalls.enterSend();
  }

  @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
  public static void onExit(@Advice.Enter Object[] frame, @Advice.Thrown Throwable thrown) {
    JdkLlmCalls.exitSend(frame, thrown);
  }
}
