package dev.infertrace.testbed.sim.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/** Whole responses with a body: JSON, text, errors. */
final class Responses {
  static final String JSON = "application/json";
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private Responses() {}

  static FullHttpResponse create(
      ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, String body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, ByteBufUtil.writeUtf8(ctx.alloc(), body));
    if (!body.isEmpty()) {
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    HttpUtil.setContentLength(response, response.content().readableBytes());
    return response;
  }

  static void send(
      ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, String body) {
    ctx.writeAndFlush(create(ctx, status, contentType, body));
  }

  static void error(ChannelHandlerContext ctx, OpenAiError error) {
    send(ctx, error.status(), JSON, error.toJson());
  }
}
