package dev.infertrace.agent.jdk.http;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import net.bytebuddy.asm.Advice;

/**
 * The advice on {@code HttpClientImpl.sendAsync(request, handler, pushPromiseHandler, executor)}
 * (see {@code HttpClientImplInstrumentation}): the request and body handler swapped for traced
 * ones, the call's span current while the client sends.
 */
@SuppressWarnings({"unused", "unchecked", "rawtypes"})
public final class JdkSendAdvice {
  private JdkSendAdvice() {}

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
