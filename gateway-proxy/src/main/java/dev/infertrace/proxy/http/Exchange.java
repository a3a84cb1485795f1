package dev.infertrace.proxy.http;

import dev.infertrace.core.openai.OpenAiRequest;
import dev.infertrace.core.openai.OpenAiRequestSniffer;
import dev.infertrace.core.slo.SloTarget;
import dev.infertrace.core.stream.JsonBodyReader;
import dev.infertrace.core.stream.SseObserver;
import dev.infertrace.core.stream.StreamSummary;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request through the proxy, from its head arriving to the last byte of the response going out:
 * buffers the body up to the sniff limit, starts the spans, relays both ways chunk by chunk with
 * backpressure (the next read on one side only after the write to the other completed), and ends
 * the spans exactly once, whatever happens. Lives on the client connection's event loop; the
 * upstream connection is on the same loop.
 */
final class Exchange {
  /** Non-streaming response bodies are read for usage up to this size (the rest is relayed). */
  static final int RESPONSE_READ_LIMIT = 1024 * 1024;

  private final ProxyContext px;
  private final FrontendHandler front;
  private final ChannelHandlerContext client;
  private final HttpRequest head;
  private final HttpHeaders incomingHeaders;
  private final String path;
  private final String operation;
  private final boolean clientKeepAlive;
  private final long receivedNanos = dev.infertrace.proxy.state.Clock.now();
  private final ExchangeSpans spans;
  private final String requestId;

  private CompositeByteBuf body;
  private boolean requestComplete;
  private boolean forwarding;
  private URI upstreamUri;
  private Channel upstream;
  private long forwardedNanos;
  private ScheduledFuture<?> responseTimeout;

  private boolean responseStarted;
  private int status;
  private boolean sse;
  private boolean upstreamKeepAlive;
  private final SseObserver observer = new SseObserver();
  private byte[] jsonBody = new byte[0];
  private int jsonLength;
  private boolean finished;
  private String model;
  private SloTarget slo = SloTarget.NONE;

  Exchange(ProxyContext px, FrontendHandler front, ChannelHandlerContext client, HttpRequest head) {
    this.px = px;
    this.front = front;
    this.client = client;
    this.head = head;
    this.incomingHeaders = head.headers().copy();
    this.path = new QueryStringDecoder(head.uri()).path();
    this.operation = OpenAiRequestSniffer.operationOf(path);
    this.clientKeepAlive = HttpUtil.isKeepAlive(head);
    String xrid = head.headers().get("x-request-id");
    this.requestId = xrid != null && !xrid.isBlank() ? xrid : UUID.randomUUID().toString();
    this.spans = new ExchangeSpans(px.otel, px.tracer, px.config.role(), px.state, px.engine);
    this.body = client.alloc().compositeBuffer(64);
    px.stats.requests.increment();
  }

  boolean finished() {
    return finished;
  }

  // ---- request side ---------------------------------------------------------------------------

  /** Body bytes from the client. Returns true when the frontend should read more now. */
  boolean onRequestContent(HttpContent c) {
    boolean last = c instanceof LastHttpContent;
    if (last) {
      requestComplete = true;
    }
    if (!forwarding || upstream == null) {
      // Until the upstream connection is there (one socket read can decode the whole body while
      // the connect is still pending), keep buffering; send() forwards what was gathered.
      if (c.content().isReadable()) {
        body.addComponent(true, c.content().retain());
      }
      c.release();
      if (!forwarding && (requestComplete || body.readableBytes() > px.config.sniffLimitBytes())) {
        startForwarding();
        return false; // the read resumes once the upstream has the buffered part
      }
      return !forwarding;
    }
    HttpContent out =
        last ? new DefaultLastHttpContent(c.content()) : new DefaultHttpContent(c.content());
    upstream
        .writeAndFlush(out)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess() && !requestComplete) {
                    client.read();
                  }
                });
    return false;
  }

  private void startForwarding() {
    forwarding = true;
    OpenAiRequest sniffed = null;
    if (operation != null && requestComplete && body.isReadable()) {
      byte[] bytes = new byte[body.readableBytes()];
      body.getBytes(body.readerIndex(), bytes);
      sniffed = OpenAiRequestSniffer.sniff(operation, bytes, 0, bytes.length);
    }
    model = sniffed == null ? null : sniffed.model();
    slo =
        operation == null
            ? SloTarget.NONE
            : SloTarget.resolve(
                px.config.slos(),
                model,
                incomingHeaders.get(SloTarget.TTFT_HEADER),
                incomingHeaders.get(SloTarget.TPOT_HEADER));
    upstreamUri = px.upstream();
    HttpRequest out =
        new DefaultHttpRequest(
            head.protocolVersion(), head.method(), head.uri(), head.headers().copy());
    HopByHop.strip(out.headers());
    out.headers().remove(HttpHeaderNames.EXPECT);
    out.headers()
        .set(HttpHeaderNames.HOST, upstreamUri.getHost() + ":" + ExchangeSpans.port(upstreamUri));
    out.headers().set("x-request-id", requestId);
    spans.start(
        head.method().name(),
        path,
        incomingHeaders,
        out.headers(),
        operation,
        sniffed,
        upstreamUri,
        requestId,
        receivedNanos);
    String authority = authority(upstreamUri);
    Channel pooled = px.pool.take(authority);
    if (pooled != null) {
      attach(pooled);
      send(out);
      return;
    }
    new Bootstrap()
        .group(client.channel().eventLoop())
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) px.config.connectTimeout().toMillis())
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast("codec", new HttpClientCodec())
                    .addLast("backend", new BackendHandler());
              }
            })
        .connect(upstreamUri.getHost(), ExchangeSpans.port(upstreamUri))
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    px.stats.upstreamUnavailable.increment();
                    fail(
                        HttpResponseStatus.BAD_GATEWAY,
                        ProxyErrors.UPSTREAM_UNAVAILABLE,
                        "cannot connect to upstream "
                            + upstreamUri
                            + ": "
                            + f.cause().getMessage());
                    return;
                  }
                  if (finished) {
                    f.channel().close();
                    return;
                  }
                  attach(f.channel());
                  send(out);
                });
  }

  private void attach(Channel ch) {
    upstream = ch;
    ((BackendHandler) ch.pipeline().get("backend")).exchange = this;
  }

  private void send(HttpRequest out) {
    if (requestComplete) {
      HttpUtil.setContentLength(out, body.readableBytes());
      HttpUtil.setTransferEncodingChunked(out, false);
    }
    upstream.write(out);
    forwardedNanos = dev.infertrace.proxy.state.Clock.now();
    HttpContent first =
        requestComplete ? new DefaultLastHttpContent(body) : new DefaultHttpContent(body);
    body = null;
    upstream
        .writeAndFlush(first)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    return; // channelInactive reports it
                  }
                  if (!requestComplete) {
                    client.read();
                  }
                });
    responseTimeout =
        client
            .executor()
            .schedule(
                this::onResponseTimeout,
                px.config.responseTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
    upstream.read();
  }

  // ---- response side --------------------------------------------------------------------------

  void onResponseHead(HttpResponse r) {
    cancelResponseTimeout();
    responseStarted = true;
    status = r.status().code();
    long now = dev.infertrace.proxy.state.Clock.now();
    observer.onHeaders(now);
    String type = r.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
    sse = type.startsWith("text/event-stream");
    upstreamKeepAlive = HttpUtil.isKeepAlive(r);
    HttpResponse out = new DefaultHttpResponse(r.protocolVersion(), r.status(), r.headers().copy());
    HopByHop.strip(out.headers());
    if (!HttpUtil.isContentLengthSet(out) && !HttpUtil.isTransferEncodingChunked(out)) {
      HttpUtil.setTransferEncodingChunked(out, true); // a close-delimited upstream body
    }
    HttpUtil.setKeepAlive(out, clientKeepAlive);
    out.headers().set("x-request-id", requestId);
    client
        .writeAndFlush(out)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess() && upstream != null && upstream.isActive()) {
                    upstream.read();
                  }
                });
  }

  void onResponseContent(HttpContent c) {
    long now = dev.infertrace.proxy.state.Clock.now();
    ByteBuf buf = c.content();
    if (sse) {
      front.feed(observer, buf, now);
    } else {
      appendJson(buf);
    }
    boolean last = c instanceof LastHttpContent;
    HttpContent out =
        last ? new DefaultLastHttpContent(buf.retain()) : new DefaultHttpContent(buf.retain());
    c.release();
    ChannelFuture written = client.writeAndFlush(out);
    if (last) {
      finish(now);
    } else {
      written.addListener(
          (ChannelFutureListener)
              f -> {
                if (f.isSuccess() && upstream != null && upstream.isActive()) {
                  upstream.read();
                }
              });
    }
  }

  private void finish(long now) {
    StreamSummary summary =
        sse
            ? observer.onEnd(now)
            : JsonBodyReader.read(jsonBody, 0, jsonLength, observer.onEnd(now).headersNanos(), now);
    end(summary, null, false);
    Channel up = upstream;
    upstream = null;
    ((BackendHandler) up.pipeline().get("backend")).exchange = null;
    if (upstreamKeepAlive && requestComplete) {
      px.pool.give(authority(upstreamUri), up);
    } else {
      up.close();
    }
    front.exchangeDone(this, clientKeepAlive);
  }

  void onUpstreamClosed() {
    if (finished) {
      return;
    }
    if (!responseStarted) {
      px.stats.upstreamUnavailable.increment();
      fail(
          HttpResponseStatus.BAD_GATEWAY,
          ProxyErrors.UPSTREAM_UNAVAILABLE,
          "upstream " + upstreamUri + " closed the connection before answering");
    } else {
      // Mid-response: the status line is gone already; cut the client off so it sees the break.
      px.stats.upstreamResets.increment();
      end(
          sse ? observer.onEnd(dev.infertrace.proxy.state.Clock.now()) : null,
          ProxyErrors.UPSTREAM_RESET,
          false);
      upstream = null;
      client.close();
    }
  }

  private void onResponseTimeout() {
    if (finished || responseStarted) {
      return;
    }
    px.stats.upstreamTimeouts.increment();
    fail(
        HttpResponseStatus.GATEWAY_TIMEOUT,
        ProxyErrors.UPSTREAM_TIMEOUT,
        "upstream "
            + upstreamUri
            + " sent no response within "
            + px.config.responseTimeout().toMillis()
            + " ms");
  }

  /** The client went away before the response ended: abort upstream, as the engine expects. */
  void onClientGone() {
    if (finished) {
      return;
    }
    px.stats.cancelled.increment();
    end(
        responseStarted && sse ? observer.onEnd(dev.infertrace.proxy.state.Clock.now()) : null,
        null,
        true);
    closeUpstream();
  }

  /** The request took longer than the request timeout to arrive. */
  void onRequestTimeout() {
    if (requestComplete || finished) {
      return;
    }
    px.stats.requestTimeouts.increment();
    if (forwarding) {
      end(null, ProxyErrors.REQUEST_TIMEOUT, false);
      closeUpstream();
      client.close();
    } else {
      status = HttpResponseStatus.REQUEST_TIMEOUT.code();
      finished = true;
      releaseBody();
      client
          .writeAndFlush(
              ProxyErrors.response(
                  client.alloc(),
                  HttpResponseStatus.REQUEST_TIMEOUT,
                  ProxyErrors.REQUEST_TIMEOUT,
                  "the request was not received within "
                      + px.config.requestTimeout().toMillis()
                      + " ms"))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void fail(HttpResponseStatus s, String type, String message) {
    status = s.code();
    end(null, type, false);
    closeUpstream();
    client
        .writeAndFlush(ProxyErrors.response(client.alloc(), s, type, message))
        .addListener(
            (ChannelFutureListener)
                f -> front.exchangeDone(this, clientKeepAlive && requestComplete));
  }

  private void end(StreamSummary summary, String errorType, boolean cancelled) {
    if (finished) {
      return;
    }
    finished = true;
    cancelResponseTimeout();
    releaseBody();
    ExchangeSpans.Outcome o =
        spans.end(
            receivedNanos,
            forwardedNanos == 0 ? receivedNanos : forwardedNanos,
            status,
            summary,
            errorType,
            cancelled,
            slo);
    if (o != null && operation != null) {
      px.metrics.record(
          model != null ? model : summary != null ? summary.responseModel() : null,
          upstreamUri == null ? "" : upstreamUri.toString(),
          status,
          summary == null ? java.util.List.of() : summary.finishReasons(),
          o.ttft(),
          o.tpot(),
          o.itlMean(),
          o.e2e(),
          o.sloMet(),
          o.traceId());
    }
  }

  private void closeUpstream() {
    Channel up = upstream;
    upstream = null;
    if (up != null) {
      ((BackendHandler) up.pipeline().get("backend")).exchange = null;
      up.close();
    }
  }

  private void releaseBody() {
    if (body != null) {
      body.release();
      body = null;
    }
  }

  private void cancelResponseTimeout() {
    if (responseTimeout != null) {
      responseTimeout.cancel(false);
      responseTimeout = null;
    }
  }

  private void appendJson(ByteBuf buf) {
    int n = Math.min(buf.readableBytes(), RESPONSE_READ_LIMIT - jsonLength);
    if (n <= 0) {
      return;
    }
    if (jsonLength + n > jsonBody.length) {
      jsonBody = java.util.Arrays.copyOf(jsonBody, Math.max(jsonLength + n, jsonBody.length * 2));
    }
    buf.getBytes(buf.readerIndex(), jsonBody, jsonLength, n);
    jsonLength += n;
  }

  private static String authority(URI u) {
    return u.getHost() + ":" + ExchangeSpans.port(u);
  }
}
