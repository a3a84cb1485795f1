package dev.infertrace.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;

/** Body parts as the proxy writes them on. */
final class HttpParts {
  private HttpParts() {}

  /**
   * The last part of a body, carrying {@code content} and no trailers. Netty's one-argument
   * constructor makes an empty, writable trailer map for every part; the proxy never adds trailers
   * to the parts it writes, so they share the immutable empty one (two header maps less per
   * exchange). Encoded the same: a chunked body ends in {@code 0\r\n\r\n}.
   */
  static LastHttpContent last(ByteBuf content) {
    return new DefaultLastHttpContent(content, EmptyHttpHeaders.INSTANCE);
  }
}
