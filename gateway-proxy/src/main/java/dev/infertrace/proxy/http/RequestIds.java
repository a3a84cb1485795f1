package dev.infertrace.proxy.http;

import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code X-Request-Id} values for requests that arrive without one: random (version 4) UUIDs in the
 * usual 8-4-4-4-12 form. The bits come from {@link ThreadLocalRandom}, not {@link
 * java.security.SecureRandom} as {@link java.util.UUID#randomUUID()}'s do: an id correlates logs
 * and spans and is no secret, and SecureRandom is a shared, locked generator on the event loop's
 * hot path.
 */
final class RequestIds {
  /** The header that carries the id, both ways. */
  static final String HEADER = "x-request-id";

  /**
   * The longest client {@code x-request-id} that is kept (and sent upstream and back); a longer one
   * is replaced by a new id, so that no client can make the headers it gets echoed grow.
   */
  static final int MAX_LENGTH = 128;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {}

  /** The client's id when it has a usable one, else a new one. */
  static String of(@javax.annotation.Nullable String fromClient) {
    return fromClient != null && !fromClient.isBlank() && fromClient.length() <= MAX_LENGTH
        ? fromClient
        : next();
  }

  static String next() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (r.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long lo = (r.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48); // IETF variant
    char[] c = new char[36];
    int i = hex(hi >>> 32, 8, c, 0);
    c[i++] = '-';
    i = hex(hi >>> 16, 4, c, i);
    c[i++] = '-';
    i = hex(hi, 4, c, i);
    c[i++] = '-';
    i = hex(lo >>> 48, 4, c, i);
    c[i++] = '-';
    hex(lo, 12, c, i);
    return new String(c);
  }

  private static int hex(long v, int digits, char[] c, int at) {
    for (int d = digits - 1; d >= 0; d--) {
      c[at + d] = HEX[(int) (v & 0xF)];
      v >>>= 4;
    }
    return at + digits;
  }
}
