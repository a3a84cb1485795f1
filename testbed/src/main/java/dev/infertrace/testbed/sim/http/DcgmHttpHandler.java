package dev.infertrace.testbed.sim.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

/** The DCGM twin's endpoint: {@code GET /metrics} in dcgm-exporter's text format. */
@ChannelHandler.Sharable
final class DcgmHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final MetricsPages pages;

  DcgmHttpHandler(MetricsPages pages) {
    this.pages = pages;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    String path = new QueryStringDecoder(request.uri()).path();
    if (!path.equals("/metrics")) {
      Responses.send(ctx, HttpResponseStatus.NOT_FOUND, "text/plain", "404 page not found\n");
    } else if (!request.method().equals(HttpMethod.GET)) {
      Responses.send(
          ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "use GET /metrics\n");
    } else {
      Responses.send(ctx, HttpResponseStatus.OK, Responses.PROMETHEUS_TEXT, pages.dcgm());
    }
  }
}
