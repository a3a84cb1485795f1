package dev.infertrace.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import dev.infertrace.testbed.sim.engine.TextGenerator;
import dev.infertrace.testbed.sim.http.SimHttpOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The twin's OpenAI API on real loopback sockets: exact shapes, usage, errors, disconnects. */
class SimApiTest {
  private Sim sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private OpenAiClient start(SimConfig config) throws Exception {
    sim = Sim.start(config);
    return new OpenAiClient(sim.baseUrl());
  }

  private OpenAiClient start() throws Exception {
    return start(SimTestConfigs.fast("m"));
  }

  @Test
  void honoursXRequestIdInTheIdAndTheResponseHeader() throws Exception {
    OpenAiClient client = start();

    OpenAiClient.Stream s =
        client.stream(
            "/v1/chat/completions",
            OpenAiClient.chat("m", "hi", 3, true, false),
            Map.of("X-Request-Id", "trace-me-42"));

    assertThat(s.header("x-request-id")).isEqualTo("trace-me-42");
    assertThat(s.chunks())
        .allSatisfy(c -> assertThat(c.get("id").asText()).isEqualTo("chatcmpl-trace-me-42"));
  }

  @Test
  void ignoreEosGeneratesExactlyMaxTokensAndANaturalStopComesFromThePrompt() throws Exception {
    OpenAiClient client = start();
    String body =
        OpenAiClient.JSON
            .createObjectNode()
            .put("max_tokens", 40)
            .put("ignore_eos", true)
            .put("prompt", "count")
            .toString();

    JsonNode full = client.post("/v1/completions", body).json();
    JsonNode natural =
        client.post("/v1/completions", "{\"prompt\":\"count\",\"max_tokens\":1000}").json();

    assertThat(full.at("/usage/completion_tokens").asInt()).isEqualTo(40);
    assertThat(full.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    int expected =
        TextGenerator.naturalLength(
            TextGenerator.seed(dev.infertrace.testbed.sim.engine.PromptEncoder.text("count")));
    assertThat(natural.at("/usage/completion_tokens").asInt()).isEqualTo(expected);
    assertThat(natural.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(natural.at("/usage/prompt_tokens_details").isNull()).isTrue();
  }

  @Test
  void reportsPrefixCacheHitsAsCachedTokensWhenEnabled() throws Exception {
    SimConfig base = SimTestConfigs.fast("m");
    OpenAiClient client = start(base.withHttp(new SimHttpOptions("m", true, false, 1 << 20)));
    String prompt = "the same long system prompt ".repeat(12); // 96 tokens + template
    String body = OpenAiClient.chat("m", prompt, 4, true, true);

    OpenAiClient.Stream first = client.stream("/v1/chat/completions", body);
    OpenAiClient.Stream second = client.stream("/v1/chat/completions", body);

    JsonNode cold = first.chunks().get(first.chunks().size() - 1).get("usage");
    JsonNode warm = second.chunks().get(second.chunks().size() - 1).get("usage");
    int promptTokens = warm.get("prompt_tokens").asInt();
    assertThat(cold.has("prompt_tokens_details")).as("nothing cached yet").isFalse();
    // Full 16-token blocks of the prompt, always leaving the last token to compute.
    assertThat(warm.at("/prompt_tokens_details/cached_tokens").asInt())
        .isEqualTo((promptTokens - 1) / 16 * 16);
  }

  @Test
  void continuousUsageStatsPutsCumulativeUsageOnEveryChunk() throws Exception {
    OpenAiClient client = start();
    String body =
        "{\"prompt\":\"go\",\"max_tokens\":5,\"ignore_eos\":true,\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true,\"continuous_usage_stats\":true}}";

    List<JsonNode> chunks = client.stream("/v1/completions", body).chunks();

    assertThat(chunks).hasSize(6);
    for (int i = 0; i < 5; i++) {
      assertThat(chunks.get(i).at("/usage/completion_tokens").asInt()).isEqualTo(i + 1);
    }
  }

  @Test
  void sendsTheHeadersBeforeTheEngineTakesTheRequest() throws Exception {
    OpenAiClient client = start();
    sim.faults().add(dev.infertrace.testbed.sim.fault.FaultSpec.parse("stall:durationSeconds=1"));

    OpenAiClient.Stream s =
        client.stream("/v1/chat/completions", OpenAiClient.chat("m", "hi", 2, true, false));

    long headers = s.headersNanos() - s.sentNanos();
    long firstEvent = s.events().get(0).arrivedNanos() - s.sentNanos();
    assertThat(headers).as("headers at once").isLessThan(500_000_000L);
    assertThat(firstEvent).as("first token after the stall").isGreaterThan(800_000_000L);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "no messages        | {\"model\":\"m\"}                                                 | messages",
        "empty messages     | {\"messages\":[]}                                                 | messages",
        "bad role           | {\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}           | messages[0].role",
        "image part         | {\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]} | messages[0].content[0]",
        "negative max       | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":-1} | max_tokens",
        "string max         | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":\"9\"} | max_tokens",
        "stream not bool    | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"} | stream",
        "options w/o stream | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream_options\":{}} | stream_options",
        "n of 2             | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}      | n",
        "top_p over 1       | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_p\":2}  | top_p",
        "negative temp      | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":-1} | temperature",
        "over context       | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":5000} | max_tokens",
        "model not string   | {\"model\":7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | model",
      })
  void answersEachBadFieldWith400NamingIt(String what, String body, String param) throws Exception {
    OpenAiClient client = start();

    OpenAiClient.Reply reply = client.post("/v1/chat/completions", body);

    assertThat(reply.status()).as(what).isEqualTo(400);
    JsonNode error = reply.json().get("error");
    assertThat(error.get("param").asText()).isEqualTo(param);
    assertThat(error.get("type").asText()).isEqualTo("BadRequestError");
    assertThat(error.get("code").asInt()).isEqualTo(400);
    assertThat(error.get("message").asText()).contains(param.replaceAll("\\[.*", ""));
  }

  @Test
  void rejectsAPromptLongerThanTheContextAndBodiesThatAreNotObjects() throws Exception {
    OpenAiClient client = start();

    OpenAiClient.Reply longPrompt =
        client.post("/v1/completions", "{\"prompt\":\"" + "word ".repeat(5000) + "\"}");
    OpenAiClient.Reply array = client.post("/v1/completions", "[1,2]");
    OpenAiClient.Reply noPrompt = client.post("/v1/completions", "{\"max_tokens\":3}");

    assertThat(longPrompt.status()).isEqualTo(400);
    assertThat(longPrompt.json().at("/error/param").asText()).isEqualTo("prompt");
    assertThat(longPrompt.json().at("/error/message").asText())
        .contains("maximum context length is 4096 tokens");
    assertThat(array.status()).isEqualTo(400);
    assertThat(array.json().at("/error/message").asText())
        .isEqualTo("the body must be a JSON object");
    assertThat(noPrompt.json().at("/error/param").asText()).isEqualTo("prompt");
  }

  @Test
  void answersOversizedBodiesWith413AndWrongMethodsAndPathsInOpenAiForm() throws Exception {
    OpenAiClient client =
        start(SimTestConfigs.fast("m").withHttp(new SimHttpOptions("m", false, false, 1024)));

    OpenAiClient.Reply big =
        client.post("/v1/completions", "{\"prompt\":\"" + "x".repeat(4096) + "\"}");
    OpenAiClient.Reply get = client.get("/v1/chat/completions");
    OpenAiClient.Reply nowhere = client.get("/v2/nothing");

    assertThat(big.status()).isEqualTo(413);
    assertThat(big.json().at("/error/message").asText()).contains("larger than 1024 bytes");
    assertThat(get.status()).isEqualTo(405);
    assertThat(nowhere.status()).isEqualTo(404);
    assertThat(nowhere.json().at("/error/message").asText()).contains("/v2/nothing");
  }

  @Test
  void answersHeadersOverTheLimitWith431() throws Exception {
    start();
    String response =
        rawExchange("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 431");
  }

  @Test
  void answers503WhenTheWaitingQueueIsFull() throws Exception {
    SimConfig base = SimTestConfigs.fast("m");
    OpenAiClient client =
        start(
            base.withEngine(
                new EngineConfig(1, 2048, 16, 2048, 4096, true, 1, new StepTimeModel(1, 0, 0, 0))));
    sim.faults().add(dev.infertrace.testbed.sim.fault.FaultSpec.parse("stall:durationSeconds=3"));
    Thread first =
        new Thread(
            () -> {
              try {
                client.post("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":2}");
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    first.start();
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (sim.engine().waiting() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }

    OpenAiClient.Reply second =
        client.post("/v1/completions", "{\"prompt\":\"b\",\"max_tokens\":2}");

    assertThat(second.status()).isEqualTo(503);
    assertThat(second.json().at("/error/type").asText()).isEqualTo("ServiceUnavailableError");
    sim.faults().clear();
    first.join(10_000);
  }

  @Test
  void aClientThatDisconnectsMidStreamIsAbortedInTheEngine() throws Exception {
    SimConfig base = SimTestConfigs.fast("m");
    start(
        base.withEngine(
            new EngineConfig(8, 2048, 16, 2048, 4096, true, 10, new StepTimeModel(20, 0, 0, 0))));
    String body = "{\"prompt\":\"go\",\"max_tokens\":1000,\"ignore_eos\":true,\"stream\":true}";
    try (Socket socket = new Socket("127.0.0.1", sim.apiAddress().getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + body.length()
                  + "\r\n\r\n"
                  + body)
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder seen = new StringBuilder();
      while (!seen.toString().contains("data: ")) {
        seen.append((char) in.read());
      }
      assertThat(sim.engine().running()).isEqualTo(1);
    }
    long closed = System.nanoTime();
    while (sim.engine().running() != 0 && System.nanoTime() - closed < 2_000_000_000L) {
      Thread.sleep(1);
    }
    assertThat(sim.engine().running()).isZero();
    // Aborted at one of the next steps (20 ms each), not after the 1000 tokens (20 s) it asked
    // for; the bound leaves room for a collection or a starved core on a shared CI machine.
    assertThat((System.nanoTime() - closed) / 1e6).as("ms to abort").isLessThan(1000);
  }

  @Test
  void engineErrorFaultAnswersCompletionsInVllmsErrorFormUntilItEnds() throws Exception {
    OpenAiClient client = start();
    String chat =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"max_tokens\":2}";
    assertThat(
            client
                .post("/admin/faults", "{\"type\":\"engine-error\",\"durationSeconds\":60}")
                .status())
        .isEqualTo(201);

    OpenAiClient.Reply failed = client.post("/v1/chat/completions", chat);
    assertThat(failed.status()).isEqualTo(500);
    assertThat(failed.json().at("/error/type").asText()).isEqualTo("InternalServerError");
    assertThat(failed.json().at("/error/code").asInt()).isEqualTo(500);
    assertThat(sim.engine().running()).isZero();

    sim.faults().clear();
    assertThat(client.post("/v1/chat/completions", chat).status()).isEqualTo(200);
    // A status that is no error is refused when the fault is made.
    assertThat(client.post("/admin/faults", "{\"type\":\"engine-error\",\"status\":200}").status())
        .isEqualTo(400);
  }

  @Test
  void faultsAdminAddsListsAndClearsAndRejectsBadFaults() throws Exception {
    OpenAiClient client = start();

    OpenAiClient.Reply added =
        client.post(
            "/admin/faults", "{\"type\":\"slow-prefill\",\"factor\":3,\"durationSeconds\":60}");
    OpenAiClient.Reply unknown = client.post("/admin/faults", "{\"type\":\"meltdown\"}");
    OpenAiClient.Reply badParam =
        client.post("/admin/faults", "{\"type\":\"stall\",\"xid\":\"x\"}");
    JsonNode listed = client.get("/admin/faults").json();

    assertThat(added.status()).isEqualTo(201);
    assertThat(added.json().get("type").asText()).isEqualTo("slow-prefill");
    assertThat(added.json().get("active").asBoolean()).isTrue();
    assertThat(added.json().at("/params/factor").asDouble()).isEqualTo(3.0);
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().at("/error/message").asText())
        .contains("thermal-throttle, kv-pressure");
    assertThat(badParam.json().at("/error/param").asText()).isEqualTo("xid");
    assertThat(listed.get("faults")).hasSize(1);
    assertThat(sim.faults().prefillSlowdown()).isEqualTo(3.0);

    java.net.http.HttpResponse<String> cleared =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(sim.baseUrl() + "/admin/faults"))
                    .DELETE()
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(cleared.body()).isEqualTo("{\"cleared\":1}");
    assertThat(sim.faults().prefillSlowdown()).isEqualTo(1.0);
  }

  @Test
  void networkDelayHoldsTheRequestBeforeItIsRead() throws Exception {
    OpenAiClient client = start();
    sim.faults()
        .add(
            dev.infertrace.testbed.sim.fault.FaultSpec.parse(
                "network-delay:requestDelayMs=300,responseDelayMs=0"));

    OpenAiClient.Stream s =
        client.stream("/v1/chat/completions", OpenAiClient.chat("m", "hi", 2, true, false));

    assertThat((s.headersNanos() - s.sentNanos()) / 1e6).isGreaterThanOrEqualTo(300);
    assertThat(s.events()).last().extracting(OpenAiClient.Event::isDone).isEqualTo(true);
  }

  private String rawExchange(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", sim.apiAddress().getPort())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      byte[] buf = socket.getInputStream().readNBytes(12);
      return new String(buf, StandardCharsets.US_ASCII);
    }
  }
}
