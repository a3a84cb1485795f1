package dev.infertrace.agent.apps;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;

/**
 * The official OpenAI Java SDK in its default configuration (OkHttp transport): {@code OpenAiSdkApp
 * BASE_URL STALL_URL MODE...}, each mode one call through {@link Probe}: stream, plain,
 * async-stream, async-plain, abandon (one chunk, then close), error (a model the server does not
 * serve), timeout (a server that never answers, 1 s timeout).
 */
public final class OpenAiSdkApp {
  private OpenAiSdkApp() {}

  public static void main(String[] args) {
    OpenAIClient client = client(args[0] + "/v1", Duration.ofSeconds(30));
    OpenAIClient stalled = client(args[1] + "/v1", Duration.ofSeconds(1));
    for (int i = 2; i < args.length; i++) {
      String mode = args[i];
      Probe.run(mode, () -> call(mode.equals("timeout") ? stalled : client, mode));
    }
    client.close();
    stalled.close();
  }

  private static OpenAIClient client(String baseUrl, Duration timeout) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(baseUrl)
        .apiKey(Probe.API_KEY)
        .timeout(timeout)
        .maxRetries(0)
        .build();
  }

  private static Object call(OpenAIClient client, String mode) throws Exception {
    boolean stream = mode.contains("stream") || mode.equals("abandon") || mode.equals("warmup");
    ChatCompletionCreateParams.Builder b =
        ChatCompletionCreateParams.builder()
            .model(mode.equals("error") ? "no-such-model" : "m")
            .maxTokens(12)
            .addUserMessage("hello");
    if (stream) {
      b.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
    }
    ChatCompletionCreateParams params = b.build();
    switch (mode) {
      case "plain", "error", "timeout" -> {
        return plain(client.chat().completions().create(params));
      }
      case "async-plain" -> {
        return plain(client.async().chat().completions().create(params).get());
      }
      case "async-stream" -> {
        AsyncStreamResponse<ChatCompletionChunk> r =
            client.async().chat().completions().createStreaming(params);
        r.subscribe(OpenAiSdkApp::chunk);
        return r.onCompleteFuture().get();
      }
      case "abandon" -> {
        try (StreamResponse<ChatCompletionChunk> r =
            client.chat().completions().createStreaming(params)) {
          Iterator<ChatCompletionChunk> it = r.stream().iterator();
          while (it.hasNext()) {
            ChatCompletionChunk c = it.next();
            chunk(c);
            if (!c.choices().isEmpty() && c.choices().get(0).delta().content().isPresent()) {
              break;
            }
          }
        }
        return null;
      }
      default -> {
        try (StreamResponse<ChatCompletionChunk> r =
            client.chat().completions().createStreaming(params)) {
          r.stream().forEach(OpenAiSdkApp::chunk);
        }
        return null;
      }
    }
  }

  private static void chunk(ChatCompletionChunk c) {
    for (ChatCompletionChunk.Choice choice : c.choices()) {
      Probe.chunk(choice.delta().content().orElse(null));
    }
    c.usage().ifPresent(u -> Probe.usage(u.promptTokens(), u.completionTokens()));
  }

  private static Object plain(ChatCompletion c) {
    Optional<String> text = c.choices().get(0).message().content();
    Probe.chunk(text.orElse(null));
    c.usage().ifPresent(u -> Probe.usage(u.promptTokens(), u.completionTokens()));
    return c;
  }
}
