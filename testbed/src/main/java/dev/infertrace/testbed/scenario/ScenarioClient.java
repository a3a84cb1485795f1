package dev.infertrace.testbed.scenario;

import dev.infertrace.testbed.cluster.TracedCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * One streaming chat request over a fresh HTTP/1.1 connection, on a plain socket so that a client
 * can misbehave as real ones do: read slowly through a small receive buffer, or hang up after a few
 * tokens. Sends {@code x-request-id}, which the ingress records as {@code llm.request.id}, and a
 * {@code traceparent} when given one. Used by the scenarios and the soak.
 */
public final class ScenarioClient {
  /** How one request behaves. */
  public enum Behaviour {
    NORMAL,
    SLOW_READ,
    CANCEL,
    LONG_PROMPT,
    PREFIX_MISS
  }

  static final int SHARED_PREFIX_WORDS = 800;

  /** Long, but within the twin's context (8192 tokens) with the longest answer asked for. */
  static final int LONG_PROMPT_WORDS = 3500;

  static final int CANCEL_AFTER_TOKENS = 3;

  private static final String[] WORDS = {
    "cluster", "pod", "latency", "token", "prefill", "decode", "queue", "cache", "gpu", "memory",
    "routing", "batch", "trace", "span", "model", "request", "stream", "budget", "window", "node"
  };
  private static final String SHARED_PREFIX = words(new SplittableRandom(42), SHARED_PREFIX_WORDS);

  /**
   * What happened to one request, as the client saw it; times are epoch nanoseconds.
   *
   * @param firstTokenNanos when the first token arrived, 0 when none did
   * @param doneNanos when {@code [DONE]} arrived (else when the client stopped reading)
   * @param complete whether {@code [DONE]} arrived
   * @param error what ended the exchange early on the client's side (an I/O error's message), or
   *     what the server answered with a status other than 200 (its body, cut to 300 characters);
   *     else null
   */
  public record Sent(
      String requestId,
      String client,
      Behaviour behaviour,
      long startNanos,
      long endNanos,
      int status,
      int tokens,
      boolean cancelled,
      long firstTokenNanos,
      long doneNanos,
      boolean complete,
      @javax.annotation.Nullable String error) {}

  private ScenarioClient() {}

  /**
   * Sends one request and reads its answer to the end (or hangs up, for {@link Behaviour#CANCEL}).
   *
   * @param path e.g. {@code /v1/chat/completions}
   */
  static Sent send(
      URI base,
      String requestId,
      String client,
      Behaviour behaviour,
      SplittableRandom random,
      int minTokens,
      int maxTokens) {
    return send(base, requestId, null, client, behaviour, random, minTokens, maxTokens);
  }

  /**
   * As above, sending {@code traceparent} (a W3C trace context the ingress continues) when it is
   * not null.
   */
  public static Sent send(
      URI base,
      String requestId,
      @javax.annotation.Nullable String traceparent,
      String client,
      Behaviour behaviour,
      SplittableRandom random,
      int minTokens,
      int maxTokens) {
    String prefix =
        behaviour == Behaviour.PREFIX_MISS ? words(random, SHARED_PREFIX_WORDS) : SHARED_PREFIX;
    int ownWords =
        behaviour == Behaviour.LONG_PROMPT
            ? LONG_PROMPT_WORDS - SHARED_PREFIX_WORDS
            : 40 + random.nextInt(261);
    int tokens = minTokens + random.nextInt(maxTokens - minTokens + 1);
    String body =
        "{\"model\":\""
            + TracedCluster.MODEL
            + "\",\"messages\":[{\"role\":\"system\",\"content\":\""
            + prefix
            + "\"},{\"role\":\"user\",\"content\":\""
            + words(random, ownWords)
            + "\"}],\"max_tokens\":"
            + tokens
            + ",\"ignore_eos\":true,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    long start = Clock.epochNanos();
    int status = 0;
    int seen = 0;
    boolean cancelled = false;
    long firstToken = 0;
    long doneAt = 0;
    String error = null;
    StringBuilder errorBody = new StringBuilder();
    StringBuilder line = new StringBuilder();
    try (Socket socket = new Socket()) {
      if (behaviour == Behaviour.SLOW_READ) {
        socket.setReceiveBufferSize(4096);
      }
      socket.setSoTimeout(60_000);
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
      OutputStream out = socket.getOutputStream();
      String head =
          "POST /v1/chat/completions HTTP/1.1\r\nHost: "
              + base.getHost()
              + ":"
              + base.getPort()
              + "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"
              + "Connection: close\r\nx-request-id: "
              + requestId
              + (traceparent == null ? "" : "\r\ntraceparent: " + traceparent)
              + "\r\nContent-Length: "
              + bytes.length
              + "\r\n\r\n";
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[behaviour == Behaviour.SLOW_READ ? 512 : 8192];
      boolean first = true;
      boolean inBody = false;
      boolean done = false;
      int n;
      while (!done && (n = in.read(buf)) > 0) {
        for (int i = 0; i < n && !done; i++) {
          char c = (char) (buf[i] & 0xff);
          if (c != '\n') {
            if (line.length() < 4096) {
              line.append(c);
            }
            continue;
          }
          String l = line.toString();
          line.setLength(0);
          if (first) {
            first = false;
            String[] parts = l.split(" ");
            status = parts.length > 1 ? parse(parts[1]) : 0;
          } else if (!inBody) {
            inBody = l.isBlank();
          } else if (status != 200) {
            if (errorBody.length() < 400) {
              errorBody.append(l.strip()).append(' ');
            }
          } else if (l.startsWith("data: [DONE]")) {
            done = true;
            doneAt = Clock.epochNanos();
            drain(socket, in);
          } else if (l.startsWith("data: {") && isToken(l)) {
            if (seen++ == 0) {
              firstToken = Clock.epochNanos();
            }
            if (behaviour == Behaviour.CANCEL && seen >= CANCEL_AFTER_TOKENS) {
              cancelled = true;
              done = true;
            }
          }
        }
        if (behaviour == Behaviour.SLOW_READ) {
          Thread.sleep(50);
        }
      }
    } catch (IOException e) {
      status = status == 0 ? -1 : status;
      error = e.getClass().getSimpleName() + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (status > 0 && status != 200 && error == null) {
      // What the server said, e.g. the OpenAI-style error body (cut: it is for a report line).
      String said = (errorBody.toString() + line).strip();
      error = said.length() > 300 ? said.substring(0, 300) : said;
    }
    long end = Clock.epochNanos();
    return new Sent(
        requestId,
        client,
        behaviour,
        start,
        end,
        status,
        seen,
        cancelled,
        firstToken,
        doneAt == 0 ? end : doneAt,
        doneAt != 0,
        error);
  }

  /** Reads to the server's close (briefly), so that closing sends FIN, not RST. */
  private static void drain(Socket socket, InputStream in) {
    try {
      socket.setSoTimeout(500);
      byte[] rest = new byte[1024];
      while (in.read(rest) >= 0) {
        // the end of the chunked body
      }
    } catch (IOException e) {
      // closed or slow to close: good enough
    }
  }

  private static boolean isToken(String line) {
    int at = line.indexOf("\"content\":\"");
    return at >= 0 && at + 11 < line.length() && line.charAt(at + 11) != '"';
  }

  private static int parse(String s) {
    try {
      return Integer.parseInt(s.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String words(SplittableRandom random, int n) {
    StringBuilder b = new StringBuilder(n * 7);
    for (int i = 0; i < n; i++) {
      b.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
    }
    return b.toString();
  }

  /** Wall-clock epoch nanoseconds, monotonic within the JVM. */
  public static final class Clock {
    private static final java.time.Instant BASE = java.time.Instant.now();
    private static final long BASE_NANO = System.nanoTime();
    private static final long BASE_EPOCH = BASE.getEpochSecond() * 1_000_000_000L + BASE.getNano();

    private Clock() {}

    public static long epochNanos() {
      return BASE_EPOCH + (System.nanoTime() - BASE_NANO);
    }
  }
}
