package dev.infertrace.core.stream;

import java.util.Arrays;

/**
 * One response observed as it passes, whatever carries it (the proxy's relay, the javaagent
 * extension's client hooks): an SSE body is watched line by line as it arrives ({@link
 * SseObserver}), any other body is kept, up to a limit, and read as one JSON object at the end
 * ({@link JsonBodyReader}). The bytes are copied, never consumed. Not thread-safe: callers
 * serialise (one event loop, or a lock).
 */
public final class ResponseTap {
  private final int jsonLimit;
  // Made when the head says the body is an event stream: most responses are JSON, and an
  // observer's line and quote buffers were the largest allocation of a proxied JSON exchange.
  @javax.annotation.Nullable private SseObserver observer;
  private boolean sse;
  private long headersNanos;
  private byte[] json = new byte[0];
  private int jsonLength;

  /**
   * @param jsonLimit bytes of a non-SSE body kept for reading; the rest is not looked at
   */
  public ResponseTap(int jsonLimit) {
    if (jsonLimit < 0) {
      throw new IllegalArgumentException("jsonLimit must be >= 0, got " + jsonLimit);
    }
    this.jsonLimit = jsonLimit;
  }

  /** The response head arrived at {@code nanos}; {@code contentType} decides how it is read. */
  public void onHeaders(long nanos, @javax.annotation.Nullable String contentType) {
    headersNanos = nanos;
    sse = contentType != null && contentType.startsWith("text/event-stream");
    if (sse) {
      if (observer == null) {
        observer = new SseObserver();
      }
      observer.onHeaders(nanos);
    }
  }

  /** True when the body is an SSE stream (known once the head arrived). */
  public boolean isStream() {
    return sse;
  }

  /** Body bytes {@code data[off, off+len)} arrived at {@code nanos}. */
  public void onBytes(byte[] data, int off, int len, long nanos) {
    if (sse) {
      observer.onBytes(data, off, len, nanos);
      return;
    }
    int n = Math.min(len, jsonLimit - jsonLength);
    if (n <= 0) {
      return;
    }
    if (jsonLength + n > json.length) {
      json = Arrays.copyOf(json, Math.max(jsonLength + n, json.length * 2));
    }
    System.arraycopy(data, off, json, jsonLength, n);
    jsonLength += n;
  }

  /** The whole response arrived; its summary, timed on the caller's clock. */
  public StreamSummary complete(long nanos) {
    if (sse) {
      return observer.onEnd(nanos);
    }
    StreamSummary s = JsonBodyReader.read(json, 0, jsonLength, headersNanos, nanos);
    json = null;
    return s;
  }

  /**
   * The response stopped before its end (reset, cancelled): what a stream said until then, or null
   * for a JSON body, which cannot be read in part.
   */
  @javax.annotation.Nullable
  public StreamSummary interrupted(long nanos) {
    return sse ? observer.onEnd(nanos) : null;
  }
}
