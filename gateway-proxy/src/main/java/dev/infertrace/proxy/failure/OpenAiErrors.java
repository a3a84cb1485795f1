package dev.infertrace.proxy.failure;

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
 * {"error":{"message","type","param","code"}}}, {@code type} being the failure's {@code
 * error.type}.
 */
public final class OpenAiErrors {
  private OpenAiErrors() {}

  /** The answer to {@code failure}, with its kind's status. */
  public static FullHttpResponse response(ByteBufAllocator alloc, Failure failure) {
    return response(alloc, HttpResponseStatus.valueOf(failure.kind().status()), failure);
  }

  /** The answer to {@code failure} with another status of the same kind (e.g. 431 for a head). */
  public static FullHttpResponse response(
      ByteBufAllocator alloc, HttpResponseStatus status, Failure failure) {
    String body =
        "{\"error\":{\"message\":\""
            + escape(failure.message())
            + "\",\"type\":\""
            + escape(failure.errorType())
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
