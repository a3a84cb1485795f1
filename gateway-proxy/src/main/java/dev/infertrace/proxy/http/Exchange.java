package dev.infertrace.proxy.http;

import dev.infertrace.core.openai.OpenAiRequest;
import dev.infertrace.core.openai.OpenAiRequestSniffer;
import dev.infertrace.core.slo.SloTarget;
import dev.infertrace.core.stream.StreamSummary;
import dev.infertrace.proxy.epp.ExtProcStream;
import dev.infertrace.proxy.failure.Failure;
import dev.infertrace.proxy.failure.OpenAiErrors;
import dev.infertrace.proxy.failure.ProxyFailure;
import dev.infertrace.proxy.state.Clock;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;

/**
 * One request through the proxy, from its head arriving to the last byte of the response going out.
 * It drives the {@link Phase}s and owns the timeouts; the work is in its parts: the {@link
 * RequestBody} held until an upstream can take it, the {@link GatewayRoute} (as the gateway), the
 * {@link UpstreamLeg}, the {@link ResponseRelay}, and the {@link ExchangeSpans}, ended in one place
 * ({@link #end}) exactly once, whatever happens. Lives on the client connection's event loop; the
 * upstream connection is on the same loop.
 */
final class Exchange implements UpstreamEvents, GatewayRoute.Decision {
  /**
   * Monitoring paths relayed without spans: an EPP or Prometheus scraping vLLM's metrics through
   * the sidecar every 50 ms would otherwise fill the traces with scrapes.
   */
  static final Set<String> UNTRACED =
      Set.of("/metrics", "/health", "/healthz", "/ready", "/readyz", "/livez", "/ping");

  private final ProxyContext px;
  private final FrontendHandler front;
  private final ChannelHandlerContext client;
  private final HttpRequest head;
  private final String path;
  @Nullable private final String operation;
  private final boolean clientKeepAlive;
  private final long receivedNanos = Clock.now();
  private final String requestId;
  private final ExchangeSpans spans;
  private final RequestBody request;

  private Phase phase = Phase.RECEIVING;

  /**
   * When the upstream's last part arrived. The response is read for the trace (a JSON body parsed
   * for usage) only once the client has it, at this instant: the parse is not on the way of the
   * response's last bytes to the client.
   */
  private long responseEndNanos;

  private final PhaseClock clock = new PhaseClock(receivedNanos);
  @Nullable private GatewayRoute route;
  @Nullable private UpstreamLeg leg;
  @Nullable private ResponseRelay relay;
  @Nullable private ScheduledFuture<?> responseTimeout;
  @Nullable private ScheduledFuture<?> streamIdle;
  private long lastRelayNanos;
  private long forwardedNanos;
  private int status;
  @Nullable private String model;
  private SloTarget slo = SloTarget.NONE;

  Exchange(ProxyContext px, FrontendHandler front, ChannelHandlerContext client, HttpRequest head) {
    this.px = px;
    this.front = front;
    this.client = client;
    this.head = head;
    this.path = pathOf(head.uri());
    this.operation = OpenAiRequestSniffer.operationOf(path);
    this.clientKeepAlive = HttpUtil.isKeepAlive(head);
    this.requestId = RequestIds.of(head.headers().get(RequestIds.HEADER));
    this.spans =
        operation == null && UNTRACED.contains(path)
            ? ExchangeSpans.untraced(px.config.role())
            : new ExchangeSpans(px.otel, px.tracer, px.config.role(), px.state, px.engine);
    this.request = new RequestBody(client.alloc());
    px.stats.request();
  }

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

  Phase phase() {
    return phase;
  }

  boolean finished() {
    return phase == Phase.DONE;
  }

  private void enter(Phase next) {
    enter(next, Clock.now());
  }

  /** Moves the lifecycle on, and notes when: the segments of the trace come from these marks. */
  private void enter(Phase next, long now) {
    phase = next;
    clock.enter(next, now);
  }

  @Override
  public boolean over() {
    return finished();
  }

  // ---- request side ---------------------------------------------------------------------------

  /** Body bytes from the client. Returns true when the frontend should read more now. */
  boolean onRequestContent(HttpContent c) {
    if (c instanceof LastHttpContent) {
      request.markComplete();
    }
    if (!phase.buffering()) {
      leg.forward(c, this::readClientUnlessComplete);
      return false;
    }
    // Until an upstream connection can take it (one socket read can decode the whole body while
    // the connect is still pending), the body is held; the leg sends what was gathered.
    request.add(c.content());
    c.release();
    if (phase != Phase.RECEIVING) {
      return false;
    }
    boolean gateway = px.epp != null;
    if (gateway && !request.complete() && request.size() > px.config.eppMaxBodyBytes()) {
      // The EPP needs the whole body to decide; a body this large is refused, not buffered.
      refuse(
          Failure.of(
              ProxyFailure.REQUEST_TOO_LARGE,
              "the request body is over "
                  + px.config.eppMaxBodyBytes()
                  + " bytes, the most the gateway buffers for the EPP (--epp-max-body)"));
      return false;
    }
    if (request.complete() || (!gateway && request.size() > px.config.sniffLimitBytes())) {
      startForwarding();
      return false; // the read resumes once the upstream has the buffered part
    }
    return true;
  }

  private void readClientUnlessComplete() {
    if (!request.complete()) {
      client.read();
    }
  }

  private void startForwarding() {
    OpenAiRequest sniffed = request.sniff(operation);
    model = sniffed == null ? null : sniffed.model();
    slo =
        operation == null
            ? SloTarget.NONE
            : SloTarget.resolve(
                px.config.slos(),
                model,
                head.headers().get(SloTarget.TTFT_HEADER),
                head.headers().get(SloTarget.TPOT_HEADER));
    if (px.epp != null) {
      enter(Phase.ROUTING);
      spans.startServer(
          head.method().name(), path, head.headers(), operation, sniffed, requestId, receivedNanos);
      route = new GatewayRoute(px.epp, spans, px.stats, this, head, clientKeepAlive, requestId);
      route.ask(client.channel().eventLoop(), request);
      return;
    }
    URI upstream = px.upstream();
    HttpRequest out = outgoingHead();
    spans.start(
        head.method().name(),
        path,
        head.headers(),
        out.headers(),
        operation,
        sniffed,
        upstream,
        requestId,
        receivedNanos);
    connect(upstream, out);
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
    out.headers().set(RequestIds.HEADER, requestId);
    return out;
  }

  // ---- the gateway's answer (GatewayRoute.Decision) -------------------------------------------

  @Override
  public void routeTo(URI destination, String endpoint, @Nullable ExtProcStream.Route answer) {
    HttpRequest out = outgoingHead();
    if (answer != null) {
      answer.apply(out.headers());
      if (answer.body() != null) {
        request.replace(answer.body());
      }
    }
    spans.startUpstream(destination, out.headers(), Clock.now(), endpoint);
    connect(destination, out);
  }

  @Override
  public void answer(int code, FullHttpResponse response) {
    status = code;
    end(null, null, false);
    client
        .writeAndFlush(response)
        .addListener(
            (ChannelFutureListener)
                f -> front.exchangeDone(this, clientKeepAlive && request.complete()));
  }

  // ---- to the upstream ------------------------------------------------------------------------

  private void connect(URI upstream, HttpRequest out) {
    enter(Phase.CONNECTING);
    leg = new UpstreamLeg(px.pool, client, upstream, this, px.config.upstreamMaxHeaderBytes());
    out.headers().set(HttpHeaderNames.HOST, leg.authority());
    // The client learns what went wrong, not where: no internal address, no errno text.
    leg.open(
        px.config.connectTimeout(),
        () -> send(out),
        cause ->
            fail(
                Failure.of(
                    ProxyFailure.UPSTREAM_UNAVAILABLE,
                    cause instanceof io.netty.channel.ConnectTimeoutException
                        ? "the upstream did not accept a connection within "
                            + px.config.connectTimeout().toMillis()
                            + " ms"
                        : cause instanceof java.net.ConnectException
                            ? "the upstream refused the connection"
                            : "cannot connect to the upstream")));
  }

  private void send(HttpRequest out) {
    forwardedNanos = Clock.now();
    enter(Phase.WAITING, forwardedNanos);
    leg.send(out, request.take(), request.complete(), this::readClientUnlessComplete);
    responseTimeout =
        client
            .executor()
            .schedule(
                this::onResponseTimeout,
                px.config.responseTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
  }

  // ---- response side (UpstreamEvents) ---------------------------------------------------------

  @Override
  public void onResponseHead(HttpResponse r) {
    if (r.decoderResult().isFailure()) {
      // Fail now: waiting would only run into the response timeout (the decoder drops the rest).
      Throwable cause = r.decoderResult().cause();
      fail(
          Failure.of(
              ProxyFailure.UPSTREAM_INVALID_RESPONSE,
              cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException
                  ? "the upstream's response headers are over "
                      + px.config.upstreamMaxHeaderBytes()
                      + " bytes"
                  : "the upstream's response is not HTTP the proxy can read"));
      return;
    }
    cancelResponseTimeout();
    long now = Clock.now();
    enter(Phase.STREAMING, now);
    lastRelayNanos = now;
    armStreamIdle(px.config.streamIdleTimeout().toNanos());
    status = r.status().code();
    relay =
        new ResponseRelay(
            client,
            leg,
            LoopScratch.get(),
            route == null ? null : route.stream(),
            clock,
            this::finish,
            this::delivered);
    relay.onHead(r, clientKeepAlive, requestId, now);
  }

  @Override
  public void onResponseContent(HttpContent c) {
    if (relay == null || finished()) {
      c.release(); // the rest of a response the exchange already failed
      return;
    }
    long now = Clock.now();
    lastRelayNanos = now;
    relay.onContent(c, now);
  }

  private void armStreamIdle(long delayNanos) {
    streamIdle = client.executor().schedule(this::onStreamIdle, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** Checks for a stalled response: the timer is re-armed from the last byte, not per byte. */
  private void onStreamIdle() {
    if (phase != Phase.STREAMING) {
      return;
    }
    long limit = px.config.streamIdleTimeout().toNanos();
    long idle = Clock.now() - lastRelayNanos;
    if (idle < limit) {
      armStreamIdle(limit - idle);
      return;
    }
    // The status line is gone: cut both connections, so neither side waits on the other.
    end(
        relay.interrupted(Clock.now()),
        Failure.of(
            ProxyFailure.STREAM_IDLE_TIMEOUT,
            "no response byte within " + px.config.streamIdleTimeout().toMillis() + " ms"),
        false);
    leg.close();
    client.close();
  }

  @Override
  public void onReadComplete() {
    if (relay != null) {
      relay.flush();
    }
  }

  /**
   * The upstream's response is whole (its last part written at {@code now}): its connection goes
   * back; the client may still read.
   */
  private void finish(long now) {
    responseEndNanos = now;
    enter(Phase.DELIVERING, now);
    leg.release(relay.upstreamKeepAlive() && request.complete());
  }

  /** The client's connection took the last part: the exchange is over. */
  private void delivered() {
    if (finished()) {
      return;
    }
    clock.delivered(Clock.now());
    end(relay.complete(responseEndNanos), null, false);
    front.exchangeDone(this, clientKeepAlive);
  }

  @Override
  public void onUpstreamClosed() {
    if (finished() || phase == Phase.DELIVERING) {
      return; // a connection released after a whole response may close: not this exchange's
    }
    if (phase != Phase.STREAMING) {
      fail(
          Failure.of(
              ProxyFailure.UPSTREAM_UNAVAILABLE,
              "the upstream closed the connection before answering"));
    } else {
      // Mid-response: the status line is gone already; cut the client off so it sees the break.
      end(
          relay.interrupted(Clock.now()),
          Failure.of(ProxyFailure.UPSTREAM_RESET, "the upstream closed mid-response"),
          false);
      leg.close();
      client.close();
    }
  }

  private void onResponseTimeout() {
    if (phase != Phase.WAITING) {
      return;
    }
    fail(
        Failure.of(
            ProxyFailure.UPSTREAM_TIMEOUT,
            "the upstream sent no response within "
                + px.config.responseTimeout().toMillis()
                + " ms"));
  }

  // ---- the client side's events ---------------------------------------------------------------

  /** The client went away before the response ended: abort upstream, as the engine expects. */
  void onClientGone() {
    if (finished()) {
      return;
    }
    px.stats.cancel();
    if (phase == Phase.DELIVERING) {
      // Gone before its connection took the end of a whole response; the upstream is released.
      clock.delivered(Clock.now());
      end(relay.complete(responseEndNanos), null, true);
      return;
    }
    end(relay != null ? relay.interrupted(Clock.now()) : null, null, true);
    if (leg != null) {
      leg.close();
    }
  }

  /** The request took longer than the request timeout to arrive. */
  void onRequestTimeout() {
    if (request.complete() || finished()) {
      return;
    }
    String message =
        "the request was not received within " + px.config.requestTimeout().toMillis() + " ms";
    if (phase == Phase.RECEIVING) {
      refuse(Failure.of(ProxyFailure.REQUEST_TIMEOUT, message));
    } else {
      end(null, Failure.of(ProxyFailure.REQUEST_TIMEOUT, message), false);
      if (leg != null) {
        leg.close();
      }
      client.close();
    }
  }

  // ---- endings --------------------------------------------------------------------------------

  /** Answers a request that was never forwarded (no spans started) with an error, and closes. */
  private void refuse(Failure failure) {
    phase = Phase.DONE;
    status = failure.kind().status();
    request.release();
    px.stats.count(failure.kind());
    client
        .writeAndFlush(OpenAiErrors.response(client.alloc(), failure))
        .addListener(ChannelFutureListener.CLOSE);
  }

  /** Fails a request whose response has not started: an OpenAI-form error to the client. */
  @Override
  public void fail(Failure failure) {
    status = failure.kind().status();
    end(null, failure, false);
    if (leg != null) {
      leg.close();
    }
    client
        .writeAndFlush(OpenAiErrors.response(client.alloc(), failure))
        .addListener(
            (ChannelFutureListener)
                f -> front.exchangeDone(this, clientKeepAlive && request.complete()));
  }

  /** The one place an exchange ends: spans, metrics, the EPP stream, what is still held. */
  private void end(@Nullable StreamSummary summary, @Nullable Failure failure, boolean cancelled) {
    if (finished()) {
      return;
    }
    phase = Phase.DONE;
    cancelResponseTimeout();
    if (streamIdle != null) {
      streamIdle.cancel(false);
    }
    request.release();
    if (route != null) {
      route.close(cancelled);
    }
    if (relay != null) {
      relay.close();
    }
    if (failure != null) {
      px.stats.count(failure.kind());
    }
    ExchangeSpans.Outcome o =
        spans.end(
            receivedNanos,
            forwardedNanos == 0 ? receivedNanos : forwardedNanos,
            status,
            summary,
            failure == null ? null : failure.errorType(),
            cancelled,
            slo,
            clock);
    if (o != null && operation != null) {
      px.metrics.record(
          model != null ? model : summary != null ? summary.responseModel() : null,
          leg == null ? "" : leg.uri().toString(),
          status,
          summary == null ? List.of() : summary.finishReasons(),
          o.latencies().ttft(),
          o.latencies().tpot(),
          o.latencies().itlMean(),
          o.latencies().e2e(),
          o.sloMet(),
          o.traceId());
    }
  }

  private void cancelResponseTimeout() {
    if (responseTimeout != null) {
      responseTimeout.cancel(false);
      responseTimeout = null;
    }
  }
}
