package dev.infertrace.agent;

import java.nio.ByteBuffer;

/**
 * Whether a response body has been read to its end, from the bytes themselves: the declared {@code
 * Content-Length} reached, an SSE stream's {@code data: [DONE]} line seen, or — for a JSON body of
 * unknown length — a closing brace as its last non-blank byte. Clients close a body once they have
 * what they need (the OpenAI SDK stops at {@code [DONE]}, Jackson stops at the closing brace),
 * before the transport reports its end: such a close is the end of the response, not an
 * abandonment. Not thread-safe: the caller serialises.
 */
final class BodyEnd {
  private static final byte[] DONE = "[DONE]".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final int LINE_KEPT = 16;

  private final long contentLength;
  private final boolean sse;
  private long read;
  private final byte[] line = new byte[LINE_KEPT];
  private int lineLength;
  private boolean done;
  private byte lastNonBlank;

  /**
   * @param contentLength the declared body length, or -1 when unknown (chunked)
   * @param sse the body is an event stream
   */
  BodyEnd(long contentLength, boolean sse) {
    this.contentLength = contentLength;
    this.sse = sse;
  }

  void onBytes(ByteBuffer bytes) {
    read += bytes.remaining();
    for (int i = bytes.position(); i < bytes.limit(); i++) {
      byte b = bytes.get(i);
      if (sse) {
        onSseByte(b);
      } else if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        lastNonBlank = b;
      }
    }
  }

  private void onSseByte(byte b) {
    if (b == '\n') {
      done |= isDoneLine();
      lineLength = 0;
    } else if (b != '\r' && lineLength < LINE_KEPT) {
      line[lineLength++] = b;
    } else if (b != '\r') {
      lineLength = LINE_KEPT + 1; // longer than a [DONE] line: not one
    }
  }

  /** {@code data:[DONE]} or {@code data: [DONE]}. */
  private boolean isDoneLine() {
    if (lineLength > LINE_KEPT || lineLength < 11) {
      return false;
    }
    int i = 0;
    for (char c : new char[] {'d', 'a', 't', 'a', ':'}) {
      if (line[i++] != c) {
        return false;
      }
    }
    if (line[i] == ' ') {
      i++;
    }
    if (lineLength - i != DONE.length) {
      return false;
    }
    for (byte d : DONE) {
      if (line[i++] != d) {
        return false;
      }
    }
    return true;
  }

  /** True when the bytes read so far are certainly the whole response (length, or [DONE]). */
  boolean reached() {
    return (contentLength >= 0 && read >= contentLength) || (sse && done);
  }

  /**
   * True when a close now ends a whole response: {@link #reached()}, or a JSON body of unknown
   * length whose last byte so far closes an object (a parser that stops there read all of it).
   */
  boolean closesWhole() {
    return reached() || (!sse && contentLength < 0 && read > 0 && lastNonBlank == '}');
  }
}
