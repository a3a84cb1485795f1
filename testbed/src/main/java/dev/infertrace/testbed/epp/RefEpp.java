package dev.infertrace.testbed.epp;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.infertrace.core.openai.OpenAiRequestSniffer;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.state.EngineSample;
import dev.infertrace.proxy.state.Scraper;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A reference Endpoint Picker for when the real one is not installed: Envoy ext_proc on the wire
 * (request body buffered to end of stream, then {@code x-gateway-destination-endpoint} as a header
 * mutation and in {@code envoy.lb} metadata with the scores, or a 503 immediate response when no
 * endpoint is known to be up: see {@link #up}), endpoints from an llm-d file-discovery endpoints
 * file, state scraped from each endpoint's vLLM {@code /metrics} every 50 ms. {@code misroute}
 * ignores load and sends everything to the first endpoint, a fault for diagnosis scenarios.
 */
public final class RefEpp implements AutoCloseable {
  /**
   * An endpoint this far behind the freshest answer is left out: the others answer, it does not.
   */
  private static final long BEHIND_NANOS = Duration.ofMillis(500).toNanos();

  /** No endpoint answered for this long: none is up (503). */
  private static final long NONE_NANOS = Duration.ofSeconds(5).toNanos();

  /**
   * The endpoints to pick from at {@code now}: those whose last answer to a scrape ({@code seen},
   * System.nanoTime) is within 500 ms of the freshest endpoint's, as long as some endpoint answered
   * in the last 5 s. Judged against the freshest answer rather than the clock, so that the EPP's
   * own stall (a GC pause, a starved host: no scrape ran) is not taken for its endpoints going
   * away: then they are all as old, and all stay. An endpoint never seen is not up.
   */
  static List<Endpoint> up(List<Endpoint> endpoints, Map<Endpoint, Long> seen, long now) {
    Long freshest = null;
    for (Endpoint e : endpoints) {
      Long t = seen.get(e);
      if (t != null && (freshest == null || t - freshest > 0)) {
        freshest = t;
      }
    }
    if (freshest == null || now - freshest > NONE_NANOS) {
      return List.of();
    }
    long newest = freshest;
    return endpoints.stream()
        .filter(e -> seen.containsKey(e) && newest - seen.get(e) < BEHIND_NANOS)
        .toList();
  }

  private final Server server;
  private final ScheduledExecutorService timer;
  private final List<Scraper> scrapers = new ArrayList<>();
  private final java.util.concurrent.atomic.AtomicLong delayMillis;

  private RefEpp(
      Server server,
      ScheduledExecutorService timer,
      java.util.concurrent.atomic.AtomicLong delayMillis) {
    this.server = server;
    this.timer = timer;
    this.delayMillis = delayMillis;
  }

  /** Holds every routing answer back this long (a slow EPP, for diagnosis scenarios); 0: none. */
  public void delayRouting(Duration delay) {
    delayMillis.set(delay.toMillis());
  }

  public static RefEpp start(
      InetSocketAddress listen, List<Endpoint> endpoints, Scorer scorer, boolean misroute)
      throws IOException {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ref-epp-scrapers");
              t.setDaemon(true);
              return t;
            });
    Map<Endpoint, EngineSample> state = new ConcurrentHashMap<>();
    Map<Endpoint, Long> seen = new ConcurrentHashMap<>();
    List<Scraper> scrapers = new ArrayList<>();
    for (Endpoint e : endpoints) {
      scrapers.add(
          new Scraper(
              URI.create("http://" + e.hostPort() + "/metrics"),
              Duration.ofMillis(50),
              timer,
              (now, page) -> {
                EngineSample s = EngineSample.of(page);
                if (s != null) {
                  state.put(e, s);
                  seen.put(e, System.nanoTime());
                }
              }));
    }
    HealthStatusManager health = new HealthStatusManager();
    var delay = new java.util.concurrent.atomic.AtomicLong();
    Server server =
        NettyServerBuilder.forAddress(listen)
            .addService(new Service(endpoints, scorer, misroute, state, seen, delay))
            .addService(health.getHealthService())
            .build()
            .start();
    RefEpp epp = new RefEpp(server, timer, delay);
    epp.scrapers.addAll(scrapers);
    return epp;
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    scrapers.forEach(Scraper::close);
    timer.shutdownNow();
    server.shutdownNow();
  }

  /**
   * The text the prefix scorer hashes: the chat messages' roles and contents in order, or the
   * completion prompt; not the JSON around them, whose identical start would look like a shared
   * prefix.
   */
  @javax.annotation.Nullable
  static String promptText(byte[] body) {
    com.fasterxml.jackson.databind.JsonNode root;
    try {
      root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
    } catch (IOException e) {
      return null;
    }
    if (root == null) {
      return null;
    }
    if (root.path("messages").isArray()) {
      StringBuilder b = new StringBuilder();
      for (com.fasterxml.jackson.databind.JsonNode m : root.path("messages")) {
        b.append(m.path("role").asText()).append(": ");
        com.fasterxml.jackson.databind.JsonNode c = m.path("content");
        if (c.isTextual()) {
          b.append(c.asText());
        } else if (c.isArray()) {
          c.forEach(part -> b.append(part.path("text").asText()));
        }
        b.append('\n');
      }
      return b.toString();
    }
    return root.path("prompt").isTextual() ? root.path("prompt").asText() : null;
  }

  private static final class Service extends ExternalProcessorGrpc.ExternalProcessorImplBase {
    private final List<Endpoint> endpoints;
    private final Scorer scorer;
    private final boolean misroute;
    private final Map<Endpoint, EngineSample> state;
    private final Map<Endpoint, Long> seen;
    private final java.util.concurrent.atomic.AtomicLong delayMillis;

    Service(
        List<Endpoint> endpoints,
        Scorer scorer,
        boolean misroute,
        Map<Endpoint, EngineSample> state,
        Map<Endpoint, Long> seen,
        java.util.concurrent.atomic.AtomicLong delayMillis) {
      this.delayMillis = delayMillis;
      this.endpoints = endpoints;
      this.scorer = scorer;
      this.misroute = misroute;
      this.state = state;
      this.seen = seen;
    }

    @Override
    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
      return new StreamObserver<>() {
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private String path = "/v1/chat/completions";

        @Override
        public synchronized void onNext(ProcessingRequest r) {
          if (r.hasRequestHeaders()) {
            for (HeaderValue h : r.getRequestHeaders().getHeaders().getHeadersList()) {
              if (h.getKey().equals(":path")) {
                path = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toStringUtf8();
              }
            }
            if (r.getRequestHeaders().getEndOfStream()) {
              out.onNext(route(null));
            }
          } else if (r.hasRequestBody()) {
            body.writeBytes(r.getRequestBody().getBody().toByteArray());
            if (r.getRequestBody().getEndOfStream()) {
              byte[] bytes = body.toByteArray();
              long delay = delayMillis.get();
              if (delay > 0) {
                try {
                  Thread.sleep(delay);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              ProcessingResponse answer = route(bytes);
              out.onNext(answer);
              if (!answer.hasImmediateResponse()) {
                // FULL_DUPLEX_STREAMED: the body the gateway sends on is the one echoed here.
                out.onNext(
                    ProcessingResponse.newBuilder()
                        .setRequestBody(echo(ByteString.copyFrom(bytes), true))
                        .build());
              }
            }
          } else if (r.hasResponseHeaders()) {
            out.onNext(
                ProcessingResponse.newBuilder()
                    .setResponseHeaders(HeadersResponse.getDefaultInstance())
                    .build());
          } else if (r.hasResponseBody()) {
            out.onNext(
                ProcessingResponse.newBuilder()
                    .setResponseBody(
                        echo(r.getResponseBody().getBody(), r.getResponseBody().getEndOfStream()))
                    .build());
          }
        }

        private ProcessingResponse route(byte[] bytes) {
          List<Endpoint> up = up(endpoints, seen, System.nanoTime());
          if (up.isEmpty()) {
            return ProcessingResponse.newBuilder()
                .setImmediateResponse(
                    ImmediateResponse.newBuilder()
                        .setStatus(HttpStatus.newBuilder().setCode(StatusCode.ServiceUnavailable))
                        .setBody(
                            ByteString.copyFromUtf8(
                                "{\"error\":{\"message\":\"no endpoint available\",\"type\":\"ServiceUnavailableError\",\"param\":null,\"code\":503}}")))
                .build();
          }
          String prompt =
              bytes == null || OpenAiRequestSniffer.operationOf(path) == null
                  ? null
                  : promptText(bytes);
          List<Scorer.Scored> scored = scorer.score(up, state, prompt);
          Scorer.Scored chosen = misroute ? scored.get(0) : scorer.pick(scored, prompt);
          StringBuilder scores = new StringBuilder("{");
          for (Scorer.Scored s : scored) {
            if (scores.length() > 1) {
              scores.append(',');
            }
            scores
                .append('"')
                .append(s.endpoint().hostPort())
                .append("\":")
                .append(String.format(Locale.ROOT, "%.4f", s.total()));
          }
          scores.append('}');
          String dest = chosen.endpoint().hostPort();
          CommonResponse common =
              CommonResponse.newBuilder()
                  .setClearRouteCache(true)
                  .setHeaderMutation(
                      HeaderMutation.newBuilder()
                          .addSetHeaders(
                              HeaderValueOption.newBuilder()
                                  .setHeader(
                                      HeaderValue.newBuilder()
                                          .setKey("x-gateway-destination-endpoint")
                                          .setRawValue(ByteString.copyFromUtf8(dest)))))
                  .build();
          Struct lb =
              Struct.newBuilder()
                  .putFields(
                      "x-gateway-destination-endpoint",
                      Value.newBuilder().setStringValue(dest).build())
                  .putFields(
                      "x-gateway-destination-endpoint-scores",
                      Value.newBuilder().setStringValue(scores.toString()).build())
                  .build();
          ProcessingResponse.Builder b =
              ProcessingResponse.newBuilder()
                  .setDynamicMetadata(
                      Struct.newBuilder()
                          .putFields("envoy.lb", Value.newBuilder().setStructValue(lb).build()));
          // As the llm-d EPP: the routing answer is the request-headers response, sent once the
          // body has been read to its end; the body follows as a streamed echo.
          b.setRequestHeaders(HeadersResponse.newBuilder().setResponse(common));
          return b.build();
        }

        private BodyResponse echo(ByteString chunk, boolean end) {
          return BodyResponse.newBuilder()
              .setResponse(
                  CommonResponse.newBuilder()
                      .setBodyMutation(
                          io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation.newBuilder()
                              .setStreamedResponse(
                                  io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse
                                      .newBuilder()
                                      .setBody(chunk)
                                      .setEndOfStream(end))))
              .build();
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }
}
