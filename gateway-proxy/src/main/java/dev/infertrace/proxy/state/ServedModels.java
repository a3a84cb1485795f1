package dev.infertrace.proxy.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The models the upstreams serve, read from their OpenAI {@code GET /v1/models} ({@code data[].id})
 * at start and every {@link #REFRESH} after, off the request path: the union of the lists that were
 * read is handed to the consumer (an upstream that does not answer leaves the last list as it was).
 * The page is read up to 1 MiB.
 */
public final class ServedModels implements AutoCloseable {
  /** How often the lists are read again (a model loaded or dropped shows within this). */
  public static final Duration REFRESH = Duration.ofSeconds(30);

  private static final int MAX_BYTES = 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<URI> modelsUrls;
  private final Consumer<Set<String>> sink;
  private final HttpClient http = PollClient.get();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "served-models");
            t.setDaemon(true);
            return t;
          });

  /** Starts reading {@code upstreams}' lists now and every {@code refresh}. */
  public ServedModels(List<URI> upstreams, Duration refresh, Consumer<Set<String>> sink) {
    this.modelsUrls = upstreams.stream().map(u -> u.resolve("/v1/models")).toList();
    this.sink = sink;
    timer.scheduleWithFixedDelay(
        this::refresh, 0, Math.max(1, refresh.toMillis()), TimeUnit.MILLISECONDS);
  }

  private void refresh() {
    Set<String> models = new HashSet<>();
    for (URI url : modelsUrls) {
      try {
        models.addAll(
            parse(
                http.send(
                        HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).GET().build(),
                        BoundedBody.ofString(MAX_BYTES))
                    .body()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        // unreachable, too large, not the OpenAI list: this upstream adds nothing this time
      }
    }
    if (!models.isEmpty()) {
      sink.accept(models);
    }
  }

  /** The {@code data[].id} of an OpenAI model list; empty when the page is not one. */
  static Set<String> parse(String body) throws java.io.IOException {
    Set<String> ids = new HashSet<>();
    JsonNode data = JSON.readTree(body).path("data");
    for (JsonNode model : data) {
      JsonNode id = model.path("id");
      if (id.isTextual() && ids.size() < 1024) {
        ids.add(id.asText());
      }
    }
    return ids;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
