package dev.infertrace.agent.apps;

import java.time.Duration;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Flux;

/**
 * Spring AI's ChatClient over its OpenAI chat model, configured by Spring Boot from properties (as
 * an application would): {@code SpringAiApp BASE_URL STALL_URL MODE...}; modes stream (the reactive
 * stream to the end), plain (call), abandon (the stream cancelled after the first text), error (a
 * model the server does not serve), timeout (a server that never answers, 1 s timeout).
 */
@SpringBootApplication
public class SpringAiApp {
  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(SpringAiApp.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    app.setLogStartupInfo(false);
    ConfigurableApplicationContext ctx =
        app.run(
            "--spring.ai.openai.base-url=" + args[0] + "/v1",
            "--spring.ai.openai.api-key=" + Probe.API_KEY,
            "--spring.ai.openai.chat.options.model=m",
            "--spring.ai.openai.chat.options.max-tokens=12",
            "--spring.ai.openai.chat.options.stream-usage=true",
            "--spring.ai.openai.chat.options.max-retries=0",
            "--spring.main.banner-mode=off",
            "--logging.level.root=WARN");
    ChatClient chat = ChatClient.create(ctx.getBean(ChatModel.class));
    ChatClient stalled =
        ChatClient.create(
            OpenAiChatModel.builder()
                .options(
                    OpenAiChatOptions.builder()
                        .baseUrl(args[1] + "/v1")
                        .apiKey(Probe.API_KEY)
                        .model("m")
                        .maxTokens(12)
                        .timeout(Duration.ofSeconds(1))
                        .maxRetries(0)
                        .build())
                .build());
    for (int i = 2; i < args.length; i++) {
      String mode = args[i];
      Probe.run(mode, () -> call(mode.equals("timeout") ? stalled : chat, mode));
    }
    ctx.close();
  }

  private static Object call(ChatClient chat, String mode) {
    ChatClient.ChatClientRequestSpec prompt = chat.prompt().user("hello");
    if (mode.equals("error")) {
      prompt = prompt.options(OpenAiChatOptions.builder().model("no-such-model"));
    }
    if (mode.equals("plain") || mode.equals("error") || mode.equals("timeout")) {
      ChatResponse r = prompt.call().chatResponse();
      Probe.chunk(r.getResult().getOutput().getText());
      usage(r);
      return r;
    }
    Flux<ChatResponse> flux = prompt.stream().chatResponse().doOnNext(SpringAiApp::onChunk);
    if (mode.equals("abandon")) {
      flux = flux.takeUntil(r -> hasText(r));
    }
    return flux.blockLast(Duration.ofSeconds(30));
  }

  private static boolean hasText(ChatResponse r) {
    return r.getResult() != null
        && r.getResult().getOutput().getText() != null
        && !r.getResult().getOutput().getText().isEmpty();
  }

  private static void onChunk(ChatResponse r) {
    if (r.getResult() != null) {
      Probe.chunk(r.getResult().getOutput().getText());
    }
    usage(r);
  }

  private static void usage(ChatResponse r) {
    Usage u = r.getMetadata().getUsage();
    if (u != null && u.getPromptTokens() != null && u.getCompletionTokens() != null) {
      if (u.getPromptTokens() > 0 || u.getCompletionTokens() > 0) {
        Probe.usage(u.getPromptTokens(), u.getCompletionTokens());
      }
    }
  }
}
