package dev.infertrace.proxy.http;

import dev.infertrace.core.gpu.DcgmSample;
import dev.infertrace.proxy.admin.LabelValues;
import dev.infertrace.proxy.admin.ProxyMetrics;
import dev.infertrace.proxy.admin.ProxyStats;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.export.SpanQueue;
import dev.infertrace.proxy.state.EngineSample;
import dev.infertrace.proxy.state.WorkerState;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import javax.annotation.Nullable;

/**
 * Before a proxy listens, a few OpenAI requests go through a private copy of its pipeline, on its
 * own event loops, to a stand-in upstream on loopback. A JVM's first pass over a path loads and
 * initialises its classes and links its call sites (the records' {@code hashCode}, each lambda, the
 * HTTP codecs, the SDK's span, the JSON parser), about 0.1-0.2 s for the proxy's path, and on the
 * first real request that time was spent on the event loop, where every connection of that loop
 * waited for it (BENCHMARKS.md, issue 22's cold start).
 *
 * <p>Nothing of it leaves the process or reaches what the proxy reports: the copy has its own
 * listener on an ephemeral loopback port, closed afterwards; its own statistics and metrics; and an
 * SDK that records its spans and keeps none, so no span is exported. The real upstreams, the EPP,
 * vLLM's span receiver and the span queue are not involved; a worker's copy reads a state of its
 * own, one made-up engine and GPU sample, not the worker's. A failure costs only the warm-up: the
 * proxy starts the same.
 */
public final class RequestPathWarmUp {
  /** The model the warm-up's requests name, and the stand-in upstream answers as. */
  static final String MODEL = "infertrace-warm-up";

  /** Each read of the warm-up's client waits at most this long. */
  private static final int READ_TIMEOUT_MS = 5_000;

  /**
   * Rounds of {@link #REQUESTS} per connection: the first opens the upstream connections, the
   * second takes them from the pool, as most requests do. No more: loading the path is the point,
   * not compiling it. With 60 rounds (180 requests) the first thousand requests were faster still,
   * but the JIT compiler then compiled part of the per-frame work from the warm-up's five-frame
   * streams, and the CPU per SSE frame at 1000 streams went over its bound (+3 µs over nginx) in
   * three bench runs of four (BENCHMARKS.md).
   */
  private static final int ROUNDS = 2;

  /** A caller's context, as W3C's example writes it: the warm-up's spans are kept nowhere. */
  private static final String CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  /** Connections at most, each on the next event loop (as the listener assigns them). */
  private static final int MAX_CONNECTIONS = 4;

  /** The requests of one round: a streamed chat, an unstreamed chat, a streamed completion. */
  private static final List<String[]> REQUESTS =
      List.of(
          new String[] {
            "/v1/chat/completions",
            "{\"model\":\""
                + MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"warm-up\"}],"
                + "\"max_tokens\":2,\"stream\":true,\"stream_options\":{\"include_usage\":true}}"
          },
          new String[] {
            "/v1/chat/completions",
            "{\"model\":\""
                + MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"warm-up\"}],\"max_tokens\":2}"
          },
          new String[] {
            "/v1/completions",
            "{\"model\":\""
                + MODEL
                + "\",\"prompt\":\"warm-up\",\"max_tokens\":2,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}"
          });

  private RequestPathWarmUp() {}

  /**
   * What the warm-up did.
   *
   * @param requests requests answered 200 through the copy
   * @param failure why it stopped early, or null
   */
  public record Outcome(int requests, @Nullable String failure) {}

  /**
   * Runs the warm-up on {@code group} for a proxy configured as {@code config}: one client
   * connection per event loop (up to four), each sending every request kind {@link #ROUNDS} times.
   *
   * @param telemetry the proxy's own: the copy extracts and injects context with its propagators
   * @param workerState whether the proxy enriches its spans with a worker's engine and GPU state:
   *     the copy then reads a made-up state of its own
   */
  public static Outcome run(
      ProxyConfig config,
      EventLoopGroup group,
      Transport transport,
      OpenTelemetry telemetry,
      boolean workerState) {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    SdkTracerProvider keepsNothing =
        SdkTracerProvider.builder().setSampler(Sampler.alwaysOn()).build();
    StandInUpstream upstream = null;
    Channel listener = null;
    ProxyContext context = null;
    WorkerState madeUp = null;
    int answered = 0;
    String failure = null;
    try {
      upstream = new StandInUpstream(loopback);
      InetSocketAddress up = upstream.address();
      ProxyConfig copy =
          config.toBuilder()
              .listen(new InetSocketAddress(loopback, 0))
              .upstreams(List.of(URI.create("http://" + hostPort(up))))
              .build();
      ProxyStats stats = new ProxyStats();
      if (workerState) {
        madeUp = WorkerState.holding(new EngineSample(0, 1, 0.1, 0), gpu());
      }
      context =
          new ProxyContext(
              copy,
              OpenTelemetrySdk.builder()
                  .setTracerProvider(keepsNothing)
                  .setPropagators(telemetry.getPropagators())
                  .build(),
              stats,
              new ProxyMetrics(
                  stats, () -> SpanQueue.Counts.NONE, new LabelValues(config.metricModels())),
              madeUp,
              null,
              null);
      listener =
          ProxyPipeline.listener(context, group, transport).bind(copy.listen()).sync().channel();
      InetSocketAddress proxy = (InetSocketAddress) listener.localAddress();
      int connections = Math.min(config.ioThreads(), MAX_CONNECTIONS);
      for (int c = 0; c < connections; c++) {
        answered += oneConnection(proxy);
      }
    } catch (IOException | RuntimeException e) {
      failure = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted";
    } finally {
      close(listener);
      if (upstream != null) {
        upstream.close(); // with its connections: the copy's pooled ones close with them
      }
      if (context != null) {
        context.pool.forget(group);
      }
      if (madeUp != null) {
        madeUp.close();
      }
      keepsNothing.close();
    }
    return new Outcome(answered, failure);
  }

  /** One GPU as dcgm-exporter reports it, busy at a normal clock. */
  private static DcgmSample gpu() {
    return new DcgmSample(
        java.util.Map.of(
            "GPU-00000000-0000-0000-0000-000000000000",
            new DcgmSample.Values(0.5, 1410, 300, 60, 1e9, 0.3, 0, 1980, 0)));
  }

  private static int oneConnection(InetSocketAddress proxy) throws IOException {
    int answered = 0;
    try (Socket s = new Socket(proxy.getAddress(), proxy.getPort())) {
      s.setTcpNoDelay(true);
      s.setSoTimeout(READ_TIMEOUT_MS);
      OutputStream out = s.getOutputStream();
      InputStream in = new java.io.BufferedInputStream(s.getInputStream());
      for (int round = 0; round < ROUNDS; round++) {
        for (String[] r : REQUESTS) {
          byte[] body = r[1].getBytes(StandardCharsets.UTF_8);
          String head =
              "POST "
                  + r[0]
                  + " HTTP/1.1\r\nHost: "
                  + hostPort(proxy)
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + body.length
                  // every other round as a trace's root, the others with a caller's context: the
                  // SDK starts a span on its own path for each
                  + (round % 2 == 0 ? "\r\ntraceparent: " + CALLER : "")
                  + "\r\n\r\n";
          out.write(head.getBytes(StandardCharsets.US_ASCII));
          out.write(body);
          out.flush();
          int status = readResponse(in);
          if (status != 200) {
            throw new IOException(r[0] + " through the copy answered " + status);
          }
          answered++;
        }
      }
    }
    return answered;
  }

  /**
   * A request's or a response's head: its first line, and how its body is framed.
   *
   * @param length the Content-Length, 0 without one
   */
  private record Head(String firstLine, long length, boolean chunked) {
    static Head read(InputStream in) throws IOException {
      String first = line(in);
      long length = 0;
      boolean chunked = false;
      for (String h = line(in); !h.isEmpty(); h = line(in)) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(lower.substring(15).strip());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        }
      }
      return new Head(first, length, chunked);
    }
  }

  /** Reads one response (Content-Length or chunked) and returns its status. */
  private static int readResponse(InputStream in) throws IOException {
    Head head = Head.read(in);
    if (head.chunked()) {
      for (long size = chunkSize(in); size > 0; size = chunkSize(in)) {
        in.skipNBytes(size);
        line(in);
      }
      while (!line(in).isEmpty()) {
        // trailers, if any
      }
    } else {
      in.skipNBytes(head.length());
    }
    return Integer.parseInt(head.firstLine().split(" ", 3)[1]);
  }

  private static long chunkSize(InputStream in) throws IOException {
    String size = line(in);
    int ext = size.indexOf(';');
    return Long.parseLong((ext < 0 ? size : size.substring(0, ext)).strip(), 16);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("the copy closed the connection mid-response");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  private static void close(@Nullable Channel ch) {
    if (ch != null) {
      ch.close().syncUninterruptibly();
    }
  }

  /**
   * Answers as vLLM's OpenAI server does: a streamed request with SSE events (a role, two tokens,
   * the finish reason, the usage, {@code [DONE]}), each in a chunk of its own, any other with one
   * JSON body. On plain sockets, a thread per connection: a handler of its own on the proxy's event
   * loops would run through the same Netty code as the proxy and leave its types in the profiles
   * that the JIT compiler later compiles the proxy's path from.
   */
  private static final class StandInUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

    StandInUpstream(InetAddress loopback) throws IOException {
      server = new ServerSocket(0, 16, loopback);
      Thread t = new Thread(this::accept, "infertrace-warm-up-upstream");
      t.setDaemon(true);
      t.start();
    }

    InetSocketAddress address() {
      return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void accept() {
      try {
        while (true) {
          Socket s = server.accept();
          accepted.add(s);
          Thread t = new Thread(() -> serve(s), "infertrace-warm-up-upstream");
          t.setDaemon(true);
          t.start();
        }
      } catch (IOException closed) {
        // close(): the warm-up is over
      }
    }

    private static void serve(Socket s) {
      try (s) {
        s.setTcpNoDelay(true);
        InputStream in = new java.io.BufferedInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        while (true) {
          Head head = Head.read(in);
          byte[] body = in.readNBytes((int) head.length());
          if (body.length < head.length()) {
            return;
          }
          answer(
              out,
              head.firstLine().contains("/v1/completions "),
              new String(body, StandardCharsets.UTF_8).contains("\"stream\":true"));
        }
      } catch (IOException | RuntimeException gone) {
        // the proxy closed the connection, or the warm-up is over
      }
    }

    private static void answer(OutputStream out, boolean completions, boolean stream)
        throws IOException {
      if (!stream) {
        byte[] json =
            ("{\"id\":\"chatcmpl-warm-up\",\"object\":\"chat.completion\",\"created\":0,"
                    + "\"model\":\""
                    + MODEL
                    + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                    + "\"content\":\"warm-up\"},\"logprobs\":null,\"finish_reason\":\"length\"}],"
                    + "\"usage\":{\"prompt_tokens\":2,\"total_tokens\":4,"
                    + "\"completion_tokens\":2}}")
                .getBytes(StandardCharsets.UTF_8);
        out.write(
            ("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                    + json.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(json);
        out.flush();
        return;
      }
      out.write(
          ("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
                  + "transfer-encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String prefix =
          (completions
                  ? "{\"id\":\"cmpl-warm-up\",\"object\":\"text_completion\",\"created\":0,"
                  : "{\"id\":\"chatcmpl-warm-up\",\"object\":\"chat.completion.chunk\","
                      + "\"created\":0,")
              + "\"model\":\""
              + MODEL
              + "\",\"choices\":[";
      String[] choices =
          completions
              ? new String[] {
                "{\"index\":0,\"text\":\"warm\",\"logprobs\":null,\"finish_reason\":null}",
                "{\"index\":0,\"text\":\"-up\",\"logprobs\":null,\"finish_reason\":\"length\"}"
              }
              : new String[] {
                "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                    + "\"logprobs\":null,\"finish_reason\":null}",
                "{\"index\":0,\"delta\":{\"content\":\"warm\"},\"logprobs\":null,"
                    + "\"finish_reason\":null}",
                "{\"index\":0,\"delta\":{\"content\":\"-up\"},\"logprobs\":null,"
                    + "\"finish_reason\":\"length\"}"
              };
      for (String choice : choices) {
        event(out, prefix + choice + "]}");
      }
      event(
          out,
          prefix + "],\"usage\":{\"prompt_tokens\":2,\"total_tokens\":4,\"completion_tokens\":2}}");
      event(out, "[DONE]");
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }

    /** One SSE event in one chunk, sent at once. */
    private static void event(OutputStream out, String data) throws IOException {
      byte[] e = ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
      out.write((Integer.toHexString(e.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(e);
      out.write(new byte[] {'\r', '\n'});
      out.flush();
    }

    @Override
    public void close() {
      try {
        server.close();
      } catch (IOException ignored) {
        // closing: nothing else to do
      }
      for (Socket s : accepted) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing: nothing else to do
        }
      }
    }
  }
}
