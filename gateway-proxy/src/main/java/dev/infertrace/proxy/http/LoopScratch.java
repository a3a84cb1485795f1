package dev.infertrace.proxy.http;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * One 8 KiB copy buffer per event loop, for work that copies bytes out of a buffer and is done with
 * them before it returns: the response tap ({@link ResponseRelay}) and the request sniffer ({@link
 * RequestBody#sniff}). Nothing keeps the array past the call, so the exchanges of a loop share it
 * (one per connection was 8 KiB of heap per open connection, and 8 KiB of garbage per connection
 * opened).
 */
final class LoopScratch {
  private static final FastThreadLocal<byte[]> BUFFER =
      new FastThreadLocal<byte[]>() {
        @Override
        protected byte[] initialValue() {
          return new byte[8192];
        }
      };

  private LoopScratch() {}

  /** The calling thread's buffer. */
  static byte[] get() {
    return BUFFER.get();
  }
}
