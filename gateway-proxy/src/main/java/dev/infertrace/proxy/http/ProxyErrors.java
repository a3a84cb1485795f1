package dev.infertrace.proxy.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Responses the proxy makes itself, in the OpenAI error form the clients already parse: {@code
 * {"error":{"message","type","param","code"}}}. Each failure mode has one status and one {@code
 * type}, which is also the span's {@code error.type}.
 */
final class ProxyErrors {
  /** Upstream refused or reset the connection before answering. */
  static final String UPSTREAM_UNAVAILABLE = "upstream_unavailable";

  /** No response headers within the response timeout. */
  static final String UPSTREAM_TIMEOUT = "upstream_timeout";

  /** The client did not send its whole request in time. */
  static final String REQUEST_TIMEOUT = "request_timeout";

  /** The upstream closed the connection in the middle of a response. */
  static final String UPSTREAM_RESET = "upstream_reset";

  private ProxyErrors() {}

  static FullHttpResponse response(
      ByteBufAllocator alloc, HttpResponseStatus status, String type, String message) {
    String body =
        "{\"error\":{\"message\":\""
            + escape(message)
            + "\",\"type\":\""
            + type
            + "\",\"param\":null,\"code\":"
            + status.code()
            + "}}";
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, ByteBufUtil.writeUtf8(alloc, body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    HttpUtil.setContentLength(r, r.content().readableBytes());
    return r;
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(' ');
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
