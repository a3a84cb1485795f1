package dev.infertrace.proxy.http;

import dev.infertrace.core.openai.OpenAiRequest;
import dev.infertrace.core.openai.OpenAiRequestSniffer;
import dev.infertrace.core.slo.SloTarget;
import dev.infertrace.core.stream.JsonBodyReader;
import dev.infertrace.core.stream.SseObserver;
import dev.infertrace.core.stream.StreamSummary;
import dev.infertrace.proxy.epp.EppClient;
import dev.infertrace.proxy.epp.ExtProcStream;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
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

  /**
   * Monitoring paths relayed without spans: an EPP or Prometheus scraping vLLM's metrics through
   * the sidecar every 50 ms would otherwise fill the traces with scrapes.
   */
  static final java.util.Set<String> UNTRACED =
      java.util.Set.of("/metrics", "/health", "/healthz", "/ready", "/readyz", "/livez", "/ping");

  /** The most request body the ingress buffers for the EPP, which decides on the whole body. */
  static final int EPP_BODY_LIMIT = 32 * 1024 * 1024;

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
  @javax.annotation.Nullable private ExtProcStream epp;
  @javax.annotation.Nullable private java.util.ArrayDeque<Held> held;

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
    this.incomingHeaders = head.headers(); // becomes the upstream request's (outgoingHead)
    this.path = pathOf(head.uri());
    this.operation = OpenAiRequestSniffer.operationOf(path);
    this.clientKeepAlive = HttpUtil.isKeepAlive(head);
    String xrid = head.headers().get("x-request-id");
    this.requestId = xrid != null && !xrid.isBlank() ? xrid : RequestIds.next();
    this.spans =
        operation == null && UNTRACED.contains(path)
            ? new ExchangeSpans(
                io.opentelemetry.api.OpenTelemetry.noop(),
                io.opentelemetry.api.OpenTelemetry.noop().getTracer("none"),
                px.config.role(),
                null,
                null)
            : new ExchangeSpans(px.otel, px.tracer, px.config.role(), px.state, px.engine);
    this.body = client.alloc().compositeBuffer(64);
    px.stats.requests.increment();
  }

  /** Response bytes written to the client and not yet flushed. */
  private boolean unflushed;

  /**
   * Backpressure of the response: the next read from the upstream once the client's socket took
   * what the last one brought (one listener per exchange, not one per chunk).
   */
  private final ChannelFutureListener readOnWhenWritten =
      f -> {
        if (f.isSuccess() && upstream != null && upstream.isActive()) {
          upstream.read();
        }
      };

  /**
   * The request target's path: up to {@code ?} or {@code #}, percent-decoded. Most targets have no
   * escapes and are cut as they are; the decoder (an allocation-heavy builder) only for the rest.
   */
  static String pathOf(String uri) {
    int end = uri.length();
    for (int i = 0; i < end; i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
      } else if (c == '%') {
        return new QueryStringDecoder(uri).path();
      }
    }
    return uri.substring(0, end);
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
      if (!forwarding
          && px.epp != null
          && !requestComplete
          && body.readableBytes() > EPP_BODY_LIMIT) {
        // The EPP needs the whole body to decide; a body this large is refused, not buffered.
        forwarding = true;
        status = HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code();
        finished = true;
        releaseBody();
        px.stats.malformedRequests.increment();
        client
            .writeAndFlush(
                ProxyErrors.response(
                    client.alloc(),
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "request_too_large",
                    "the request body is over "
                        + EPP_BODY_LIMIT
                        + " bytes, the most the gateway buffers for the EPP"))
            .addListener(ChannelFutureListener.CLOSE);
        return false;
      }
      if (!forwarding
          && (requestComplete
              || (px.epp == null && body.readableBytes() > px.config.sniffLimitBytes()))) {
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
    if (px.epp != null) {
      askEpp(sniffed);
      return;
    }
    upstreamUri = px.upstream();
    HttpRequest out = outgoingHead();
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
    connect(out);
  }

  /**
   * The request head for the upstream: the client's own headers (no copy: what is read of them —
   * SLO headers, the EPP's copy — is read before), less hop-by-hop ones, with the request id. The
   * trace context is extracted from them and then overwritten with the outgoing one.
   */
  private HttpRequest outgoingHead() {
    HttpRequest out =
        new DefaultHttpRequest(head.protocolVersion(), head.method(), head.uri(), head.headers());
    HopByHop.strip(out.headers());
    out.headers().remove(HttpHeaderNames.EXPECT);
    out.headers().set("x-request-id", requestId);
    return out;
  }

  // ---- the ingress as gateway: ask the EPP where the request goes ------------------------------

  private void askEpp(OpenAiRequest sniffed) {
    spans.startServer(
        head.method().name(), path, incomingHeaders, operation, sniffed, requestId, receivedNanos);
    HttpHeaders eppHeaders = head.headers().copy();
    HopByHop.strip(eppHeaders);
    eppHeaders.remove(HttpHeaderNames.EXPECT);
    eppHeaders.remove(HttpHeaderNames.TRANSFER_ENCODING);
    eppHeaders.remove(HttpHeaderNames.HOST); // sent as :authority
    eppHeaders.set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    eppHeaders.set("x-request-id", requestId);
    java.util.Map<String, String> grpc = new java.util.HashMap<>();
    spans.startEppCall(px.epp.address(), eppHeaders, grpc);
    epp = px.epp.open(client.channel().eventLoop(), grpc, new EppAnswer());
    epp.sendRequest(
        head.method().name(),
        head.uri(),
        head.headers().get(HttpHeaderNames.HOST, ""),
        eppHeaders,
        body);
  }

  private final class EppAnswer implements ExtProcStream.Listener {
    @Override
    public void onRoute(ExtProcStream.Route route) {
      if (finished) {
        if (route.body() != null) {
          route.body().release();
        }
        return;
      }
      spans.endEppCall("routed", route.endpoint(), 0, null, null);
      routeTo(route.endpoint(), route);
    }

    @Override
    public void onImmediate(int code, java.util.Map<String, String> headers, byte[] bytes) {
      if (finished) {
        return;
      }
      String outcome = code == 429 ? "shed" : code == 503 ? "no_capacity" : "rejected";
      spans.endEppCall(outcome, null, code, null, null);
      status = code;
      HttpResponseStatus s = HttpResponseStatus.valueOf(code);
      io.netty.handler.codec.http.FullHttpResponse r =
          new io.netty.handler.codec.http.DefaultFullHttpResponse(
              head.protocolVersion(), s, io.netty.buffer.Unpooled.wrappedBuffer(bytes));
      headers.forEach((k, v) -> r.headers().set(k, v));
      HopByHop.strip(r.headers());
      if (!r.headers().contains(HttpHeaderNames.CONTENT_TYPE) && bytes.length > 0) {
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
      }
      HttpUtil.setContentLength(r, bytes.length);
      HttpUtil.setKeepAlive(r, clientKeepAlive);
      r.headers().set("x-request-id", requestId);
      end(null, null, false);
      client
          .writeAndFlush(r)
          .addListener(
              (ChannelFutureListener)
                  f -> front.exchangeDone(Exchange.this, clientKeepAlive && requestComplete));
    }

    @Override
    public void onFailure(String errorType, String message) {
      if (finished) {
        return;
      }
      px.epp.onStreamFailed();
      px.stats.eppFailures.increment();
      if (px.epp.failureMode() == EppClient.FailureMode.OPEN) {
        String fallback = px.epp.fallback().hostPort();
        spans.endEppCall("fail_open", fallback, 0, errorType, message);
        routeTo(fallback, null);
      } else {
        spans.endEppCall("error", null, 0, errorType, message);
        fail(HttpResponseStatus.SERVICE_UNAVAILABLE, errorType, message);
      }
    }
  }

  /** Sends the request to the endpoint the EPP picked (or the fail-open fallback). */
  private void routeTo(String endpoint, @javax.annotation.Nullable ExtProcStream.Route route) {
    URI target;
    try {
      target = new URI("http://" + endpoint);
      if (target.getHost() == null || target.getPort() <= 0) {
        throw new java.net.URISyntaxException(endpoint, "not host:port");
      }
    } catch (java.net.URISyntaxException e) {
      if (route != null && route.body() != null) {
        route.body().release();
      }
      fail(
          HttpResponseStatus.BAD_GATEWAY,
          "epp_bad_destination",
          "the EPP named '" + endpoint + "', not an ip:port");
      return;
    }
    upstreamUri = target;
    HttpRequest out = outgoingHead();
    if (route != null) {
      route.apply(out.headers());
      if (route.body() != null) {
        releaseBody();
        body = client.alloc().compositeBuffer(64);
        body.addComponent(true, route.body());
      }
    }
    spans.startUpstream(
        upstreamUri, out.headers(), dev.infertrace.proxy.state.Clock.now(), endpoint);
    connect(out);
  }

  // ---- to the upstream ------------------------------------------------------------------------

  private void connect(HttpRequest out) {
    out.headers()
        .set(HttpHeaderNames.HOST, upstreamUri.getHost() + ":" + ExchangeSpans.port(upstreamUri));
    String authority = authority(upstreamUri);
    Channel pooled = px.pool.take(authority);
    if (pooled != null) {
      attach(pooled);
      send(out);
      return;
    }
    new Bootstrap()
        .group(client.channel().eventLoop())
        .channel(Transport.socketChannelFor(client.channel()))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.RCVBUF_ALLOCATOR, Transport.readBuffers())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) px.config.connectTimeout().toMillis())
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(
                        "idle",
                        new io.netty.handler.timeout.IdleStateHandler(
                            0, 0, UpstreamPool.IDLE_CLOSE.toMillis(), TimeUnit.MILLISECONDS))
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
    // The upstream's head is ours to change: relayed with its own headers object, not a copy.
    HttpResponse out = new DefaultHttpResponse(r.protocolVersion(), r.status(), r.headers());
    HopByHop.strip(out.headers());
    if (!HttpUtil.isContentLengthSet(out) && !HttpUtil.isTransferEncodingChunked(out)) {
      HttpUtil.setTransferEncodingChunked(out, true); // a close-delimited upstream body
    }
    HttpUtil.setKeepAlive(out, clientKeepAlive);
    out.headers().set("x-request-id", requestId);
    Runnable write =
        () -> {
          held = null;
          if (finished) {
            return;
          }
          unflushed = true; // flushed with the body read with it (flushClient), or the last chunk
          client.write(out).addListener(readOnWhenWritten);
        };
    if (epp != null) {
      held = new java.util.ArrayDeque<>();
      epp.sendResponseHeaders(
          status,
          out.headers(),
          () -> {
            java.util.ArrayDeque<Held> waiting = held;
            write.run();
            Held h;
            while (waiting != null && (h = waiting.poll()) != null) {
              if (finished) {
                h.content().release();
              } else {
                relay(h.content(), h.nanos());
              }
            }
            flushClient();
          }); // as Envoy: the head goes out after the EPP's answer, which may mutate it
    } else {
      write.run();
    }
  }

  void onResponseContent(HttpContent c) {
    long now = dev.infertrace.proxy.state.Clock.now();
    if (held != null) {
      // The head waits for the EPP's answer; a body decoded in the same read waits behind it.
      held.add(new Held(c, now));
      return;
    }
    relay(c, now);
  }

  private record Held(HttpContent content, long nanos) {}

  private void relay(HttpContent c, long now) {
    ByteBuf buf = c.content();
    if (sse) {
      front.feed(observer, buf, now);
    } else {
      appendJson(buf);
    }
    boolean last = c instanceof LastHttpContent;
    if (epp != null) {
      epp.sendResponseBody(buf, last);
    }
    HttpContent out =
        last ? new DefaultLastHttpContent(buf.retain()) : new DefaultHttpContent(buf.retain());
    c.release();
    // The last chunk flushes what is pending (a head and body from one read: one write syscall);
    // other chunks go out when the upstream read that brought them is complete (flushClient).
    if (last) {
      unflushed = false;
      client.writeAndFlush(out);
      finish(now);
    } else {
      unflushed = true;
      client.write(out).addListener(readOnWhenWritten);
    }
  }

  /**
   * Sends what the response relay wrote to the client; called when a read from the upstream is
   * complete (everything decoded from it is written) and after chunks held for the EPP are written.
   */
  void flushClient() {
    if (unflushed) {
      unflushed = false;
      client.flush();
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
    if (epp != null) {
      epp.cancel(cancelled ? "the client went away" : "the exchange ended");
      epp = null;
    }
    if (held != null) {
      held.forEach(h -> h.content().release());
      held = null;
    }
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
