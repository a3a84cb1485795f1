package dev.infertrace.proxy.http;

import dev.infertrace.proxy.admin.ProxyStats;
import dev.infertrace.proxy.epp.EppClient;
import dev.infertrace.proxy.epp.ExtProcStream;
import dev.infertrace.proxy.failure.Failure;
import dev.infertrace.proxy.failure.ProxyFailure;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * The ingress as the gateway: asks the EPP where one request goes over an ext_proc stream (as Envoy
 * does), ends the routing span with the answer, and tells the exchange what to do — send it to the
 * endpoint picked, answer with the EPP's own response, or fail (by the failure policy: {@code open}
 * sends it round-robin instead). The stream then sees the response go by.
 */
final class GatewayRoute implements ExtProcStream.Listener {
  /** What the exchange does with the EPP's answer; called on the event loop. */
  interface Decision {
    /** True once the exchange is over: a late answer is dropped. */
    boolean over();

    /** Send the request to {@code destination}, with the EPP's mutations when it routed it. */
    void routeTo(URI destination, String endpoint, @Nullable ExtProcStream.Route route);

    /** Answer the client with the EPP's own response (shed, no capacity, rejected). */
    void answer(int status, FullHttpResponse response);

    /** Fail the request. */
    void fail(Failure failure);
  }

  private final EppClient epp;
  private final ExchangeSpans spans;
  private final ProxyStats stats;
  private final Decision exchange;
  private final HttpRequest head;
  private final boolean clientKeepAlive;
  private final String requestId;
  @Nullable private ExtProcStream stream;

  GatewayRoute(
      EppClient epp,
      ExchangeSpans spans,
      ProxyStats stats,
      Decision exchange,
      HttpRequest head,
      boolean clientKeepAlive,
      String requestId) {
    this.epp = epp;
    this.spans = spans;
    this.stats = stats;
    this.exchange = exchange;
    this.head = head;
    this.clientKeepAlive = clientKeepAlive;
    this.requestId = requestId;
  }

  /** Opens the stream and sends the request's headers and body (the whole body, in chunks). */
  void ask(EventLoop loop, RequestBody body) {
    HttpHeaders headers = head.headers().copy();
    HopByHop.strip(headers);
    headers.remove(HttpHeaderNames.EXPECT);
    headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    headers.remove(HttpHeaderNames.HOST); // sent as :authority
    headers.set(HttpHeaderNames.CONTENT_LENGTH, body.size());
    headers.set(RequestIds.HEADER, requestId);
    Map<String, String> grpc = new HashMap<>();
    spans.startEppCall(epp.address(), headers, grpc);
    stream = epp.open(loop, grpc, this);
    stream.sendRequest(
        head.method().name(),
        head.uri(),
        head.headers().get(HttpHeaderNames.HOST, ""),
        headers,
        body.view());
  }

  /** The stream the response is shown to; null before asking and after {@link #close}. */
  @Nullable
  ExtProcStream stream() {
    return stream;
  }

  /** The exchange is over: the EPP sees the stream cancelled (its in-flight count drops). */
  void close(boolean clientGone) {
    if (stream != null) {
      stream.cancel(clientGone ? "the client went away" : "the exchange ended");
      stream = null;
    }
  }

  @Override
  public void onRoute(ExtProcStream.Route route) {
    if (exchange.over()) {
      if (route.body() != null) {
        route.body().release();
      }
      return;
    }
    spans.endEppCall("routed", route.endpoint(), 0, null, null);
    routeTo(route.endpoint(), route);
  }

  @Override
  public void onImmediate(int code, Map<String, String> headers, byte[] bytes) {
    if (exchange.over()) {
      return;
    }
    String outcome = code == 429 ? "shed" : code == 503 ? "no_capacity" : "rejected";
    spans.endEppCall(outcome, null, code, null, null);
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            head.protocolVersion(),
            HttpResponseStatus.valueOf(code),
            Unpooled.wrappedBuffer(bytes));
    headers.forEach((k, v) -> r.headers().set(k, v));
    HopByHop.strip(r.headers());
    if (!r.headers().contains(HttpHeaderNames.CONTENT_TYPE) && bytes.length > 0) {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    }
    HttpUtil.setContentLength(r, bytes.length);
    HttpUtil.setKeepAlive(r, clientKeepAlive);
    r.headers().set(RequestIds.HEADER, requestId);
    exchange.answer(code, r);
  }

  @Override
  public void onFailure(Failure failure) {
    if (exchange.over()) {
      return;
    }
    epp.onStreamFailed();
    if (epp.failureMode() == EppClient.FailureMode.OPEN) {
      stats.count(failure.kind()); // counted here: the request goes on
      String fallback = epp.fallback().hostPort();
      spans.endEppCall("fail_open", fallback, 0, failure.errorType(), failure.message());
      routeTo(fallback, null);
    } else {
      spans.endEppCall("error", null, 0, failure.errorType(), failure.message());
      exchange.fail(failure);
    }
  }

  private void routeTo(String endpoint, @Nullable ExtProcStream.Route route) {
    URI destination = destination(endpoint);
    if (destination == null) {
      if (route != null && route.body() != null) {
        route.body().release();
      }
      exchange.fail(
          Failure.of(
              ProxyFailure.EPP_BAD_DESTINATION,
              "the EPP named '" + endpoint + "', not an ip:port"));
      return;
    }
    exchange.routeTo(destination, endpoint, route);
  }

  /** {@code http://host:port} for an endpoint as the EPP names it, or null when it is not one. */
  @Nullable
  static URI destination(String endpoint) {
    try {
      URI target = new URI("http://" + endpoint);
      return target.getHost() == null || target.getPort() <= 0 ? null : target;
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
