package dev.infertrace.agent.apps;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * LangChain4j's OpenAI module in its default configuration (the JDK HttpClient transport): {@code
 * LangChain4jApp BASE_URL STALL_URL MODE...}; modes stream (streaming model, to the end), plain,
 * abandon (cancels through the streaming handle after the first text), error, timeout.
 */
public final class LangChain4jApp {
  private LangChain4jApp() {}

  public static void main(String[] args) {
    for (int i = 2; i < args.length; i++) {
      String mode = args[i];
      String base = (mode.equals("timeout") ? args[1] : args[0]) + "/v1";
      Duration timeout = Duration.ofSeconds(mode.equals("timeout") ? 1 : 30);
      String model = mode.equals("error") ? "no-such-model" : "m";
      Probe.run(mode, () -> call(mode, base, model, timeout));
    }
  }

  private static Object call(String mode, String base, String model, Duration timeout)
      throws Exception {
    if (mode.equals("plain") || mode.equals("error") || mode.equals("timeout")) {
      OpenAiChatModel chat =
          OpenAiChatModel.builder()
              .baseUrl(base)
              .apiKey(Probe.API_KEY)
              .modelName(model)
              .maxTokens(12)
              .timeout(timeout)
              .maxRetries(0)
              .build();
      ChatResponse r = chat.chat(dev.langchain4j.data.message.UserMessage.from("hello"));
      Probe.chunk(r.aiMessage().text());
      usage(r.tokenUsage());
      return r;
    }
    OpenAiStreamingChatModel chat =
        OpenAiStreamingChatModel.builder()
            .baseUrl(base)
            .apiKey(Probe.API_KEY)
            .modelName(model)
            .maxTokens(12)
            .timeout(timeout)
            .build();
    CompletableFuture<Object> done = new CompletableFuture<>();
    boolean abandon = mode.equals("abandon");
    chat.chat(
        java.util.List.of(dev.langchain4j.data.message.UserMessage.from("hello")),
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            Probe.chunk(partial.text());
            if (abandon && !done.isDone()) {
              context.streamingHandle().cancel();
              done.complete(null);
            }
          }

          @Override
          public void onCompleteResponse(ChatResponse r) {
            usage(r.tokenUsage());
            done.complete(r);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    Object r = done.get(30, TimeUnit.SECONDS);
    if (abandon) {
      Thread.sleep(300); // the cancellation reaches the transport
    }
    return r;
  }

  private static void usage(TokenUsage u) {
    if (u != null && u.inputTokenCount() != null) {
      Probe.usage(u.inputTokenCount(), u.outputTokenCount());
    }
  }
}
