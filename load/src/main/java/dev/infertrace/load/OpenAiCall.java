package dev.infertrace.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import javax.annotation.Nullable;
import javax.net.ssl.SSLException;

/**
 * One OpenAI request sent with the JDK HttpClient (HTTP/1.1, TLS for {@code https}), its response
 * read line by line as it arrives and timed: the first chunk carrying a token, every gap after it,
 * the end. It carries a fresh W3C {@code traceparent} (sampled) so the request can be found in the
 * traces.
 */
final class OpenAiCall implements Flow.Subscriber<String> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BODY_CAP = 4 << 20;

  private final boolean stream;
  private final long originNanos;
  private final String traceId = hex(16);
  private final List<Double> itl = new ArrayList<>();
  private final StringBuilder body = new StringBuilder();
  private final CompletableFuture<Void> done = new CompletableFuture<>();

  /**
   * When the client began writing the request: the JDK client asks the body for its length as it
   * builds the request head, which it hands to the socket next (stamped again if it ever sends the
   * request twice); until then, when the request was handed to the client. The queueing, connection
   * set-up and thread hops inside the client before that are its own, not the server's. (The body
   * is subscribed to only after the head has gone out: stamped there, TTFT came out up to 0.13 ms
   * shorter than the server's.)
   */
  private volatile long sentAt;

  /**
   * When the request was handed to the client: its start in the record, which places it in the
   * run's phases and timeline as the step sent it.
   */
  private final long issuedAt;

  /** When the response ended (last line read, or the failure), on the thread that saw it. */
  private volatile long endAt;

  private long firstTokenAt;
  private long lastTokenAt;
  private int status;
  private int chunks;
  private int events;
  private int inputTokens;
  private int outputTokens = -1;
  @Nullable private String streamError;

  private OpenAiCall(boolean stream, long originNanos, long issuedAt) {
    this.stream = stream;
    this.originNanos = originNanos;
    this.issuedAt = issuedAt;
  }

  /**
   * Sends the request and completes with its record (never exceptionally: a failure is a record
   * with an error kind). {@code issuedNanos} is when the step issued it, the instant that decided
   * its phase: the record's start.
   */
  static CompletableFuture<RequestRecord> send(
      HttpClient client,
      BenchConfig config,
      byte[] body,
      long originNanos,
      long issuedNanos,
      int step,
      long id,
      String phase) {
    OpenAiCall call = new OpenAiCall(config.stream(), originNanos, issuedNanos);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(config.endpoint())
            .timeout(config.requestTimeout())
            .header("Content-Type", "application/json")
            .header("Accept", config.stream() ? "text/event-stream" : "application/json")
            .header("traceparent", "00-" + call.traceId + "-" + hex(8) + "-01")
            .POST(call.stamped(HttpRequest.BodyPublishers.ofByteArray(body)));
    if (config.apiKey() != null) {
      request.header("Authorization", "Bearer " + config.apiKey());
    }
    call.sentAt = System.nanoTime();
    return client
        .sendAsync(
            request.build(),
            info -> {
              call.status = info.statusCode();
              return HttpResponse.BodySubscribers.fromLineSubscriber(
                  call, s -> null, StandardCharsets.UTF_8, "\n");
            })
        .thenCompose(r -> call.done)
        .handle((ok, failure) -> call.record(step, id, phase, failure));
  }

  /** The body, stamping {@link #sentAt} when the client builds the head it is about to write. */
  private HttpRequest.BodyPublisher stamped(HttpRequest.BodyPublisher body) {
    return new HttpRequest.BodyPublisher() {
      @Override
      public long contentLength() {
        sentAt = System.nanoTime();
        return body.contentLength();
      }

      @Override
      public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        body.subscribe(subscriber);
      }
    };
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(String line) {
    long now = System.nanoTime();
    if (status != 200 || !stream) {
      if (body.length() < BODY_CAP) {
        body.append(line).append('\n');
      }
      return;
    }
    if (!line.startsWith("data:")) {
      return;
    }
    String data = line.substring(5).strip();
    events++;
    if (data.equals("[DONE]")) {
      return;
    }
    JsonNode chunk;
    try {
      chunk = JSON.readTree(data);
    } catch (IOException e) {
      streamError = "bad_response";
      return;
    }
    if (chunk.has("error")) {
      streamError = "stream_error";
      return;
    }
    usage(chunk.path("usage"));
    JsonNode choice = chunk.path("choices").path(0);
    if (!text(choice).isEmpty()) {
      chunks++;
      if (firstTokenAt == 0) {
        firstTokenAt = now;
      } else {
        itl.add((now - lastTokenAt) / 1e6);
      }
      lastTokenAt = now;
    }
  }

  private static String text(JsonNode choice) {
    JsonNode delta = choice.path("delta");
    if (delta.isObject()) {
      String content = delta.path("content").asText("");
      return content.isEmpty() ? delta.path("reasoning_content").asText("") : content;
    }
    return choice.path("text").asText("");
  }

  private void usage(JsonNode usage) {
    if (usage.isObject()) {
      inputTokens = usage.path("prompt_tokens").asInt();
      outputTokens = usage.path("completion_tokens").asInt();
    }
  }

  @Override
  public void onError(Throwable throwable) {
    endAt = System.nanoTime();
    done.completeExceptionally(throwable);
  }

  @Override
  public void onComplete() {
    endAt = System.nanoTime();
    done.complete(null);
  }

  private RequestRecord record(int step, long id, String phase, @Nullable Throwable failure) {
    // the end as the reading thread saw it: this record may be made later, on another thread
    long end = endAt != 0 ? endAt : System.nanoTime();
    String error = null;
    String detail = null;
    if (failure != null) {
      Throwable cause =
          failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause()
              : failure;
      error = kind(cause);
      detail = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    } else if (status != 200) {
      error = "http_" + status;
      detail = body.length() > 300 ? body.substring(0, 300) : body.toString().strip();
    } else if (stream) {
      if (streamError != null) {
        error = streamError;
      } else if (events == 0) {
        error = "not_openai";
        detail = "HTTP 200 without any SSE data event: is this an OpenAI-compatible endpoint?";
      }
    } else {
      error = nonStreamingBody();
      if (error != null) {
        detail =
            "HTTP 200 without an OpenAI completion body: is this an OpenAI-compatible endpoint?";
      }
    }
    Double ttft = null;
    if (error == null) {
      ttft = ((stream ? firstTokenAt : end) - sentAt) / 1e6;
      if (stream && firstTokenAt == 0) {
        ttft = null; // a stream that carried no token
      }
    }
    int output = outputTokens >= 0 ? outputTokens : chunks;
    double e2e = (end - sentAt) / 1e6;
    Double tpot = ttft != null && output > 1 && stream ? (e2e - ttft) / (output - 1) : null;
    return new RequestRecord(
        step,
        id,
        phase,
        traceId,
        (issuedAt - originNanos) / 1e6,
        (end - originNanos) / 1e6,
        ttft,
        tpot,
        e2e,
        List.copyOf(itl),
        inputTokens,
        error == null ? output : 0,
        outputTokens >= 0,
        status,
        error,
        detail);
  }

  @Nullable
  private String nonStreamingBody() {
    try {
      JsonNode node = JSON.readTree(body.toString());
      if (!node.path("choices").isArray()) {
        return "not_openai";
      }
      usage(node.path("usage"));
      if (outputTokens < 0) {
        // no usage: estimate from the text's words
        JsonNode choice = node.path("choices").path(0);
        outputTokens =
            Dataset.words(
                choice.path("message").path("content").asText(choice.path("text").asText("")));
      }
      return null;
    } catch (IOException e) {
      return "not_openai";
    }
  }

  private static String kind(Throwable t) {
    if (t instanceof HttpTimeoutException) {
      return "timeout";
    }
    if (t instanceof ConnectException) {
      return "connect";
    }
    if (t instanceof SSLException) {
      return "tls";
    }
    if (t instanceof IOException) {
      return "io";
    }
    return "client";
  }

  private static String hex(int bytes) {
    StringBuilder s = new StringBuilder(bytes * 2);
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int i = 0; i < bytes; i++) {
      s.append(Character.forDigit(r.nextInt(16), 16)).append(Character.forDigit(r.nextInt(16), 16));
    }
    return s.toString();
  }
}
