package dev.infertrace.testbed.sim.http;

import dev.infertrace.testbed.sim.SimClock;
import dev.infertrace.testbed.sim.engine.Engine;
import dev.infertrace.testbed.sim.engine.EngineRequest;
import dev.infertrace.testbed.sim.engine.RequestObserver;
import dev.infertrace.testbed.sim.fault.FaultSchedule;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The twin's OpenAI-compatible API and its operational endpoints. Shared by every connection: it
 * keeps no per-connection state.
 */
@ChannelHandler.Sharable
final class SimHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final SimHttpOptions options;
  private final Engine engine;
  private final FaultSchedule faults;
  private final SimClock clock;
  private final RequestParser parser;
  private final FaultsAdmin admin;
  private final MetricsPages metrics;

  SimHttpHandler(
      SimHttpOptions options,
      Engine engine,
      FaultSchedule faults,
      SimClock clock,
      MetricsPages metrics) {
    super(false);
    this.options = options;
    this.engine = engine;
    this.faults = faults;
    this.clock = clock;
    this.parser = new RequestParser(options.model(), engine.config().maxModelLen());
    this.admin = new FaultsAdmin(faults, clock);
    this.metrics = metrics;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    long delay = faults.requestDelayNanos();
    if (delay > 0) {
      ctx.executor().schedule(() -> handleAndRelease(ctx, request), delay, TimeUnit.NANOSECONDS);
    } else {
      handleAndRelease(ctx, request);
    }
  }

  private void handleAndRelease(ChannelHandlerContext ctx, FullHttpRequest request) {
    try {
      handle(ctx, request);
    } catch (OpenAiError e) {
      Responses.error(ctx, e);
    } finally {
      request.release();
    }
  }

  private void handle(ChannelHandlerContext ctx, FullHttpRequest request) throws OpenAiError {
    if (request.decoderResult().isFailure()) {
      rejectUndecodable(ctx, request.decoderResult().cause());
      return;
    }
    String path = new QueryStringDecoder(request.uri()).path();
    HttpMethod method = request.method();
    switch (path) {
      case "/v1/chat/completions" -> completions(ctx, request, method, true);
      case "/v1/completions" -> completions(ctx, request, method, false);
      case "/v1/models" -> {
        requireGet(method, path);
        Responses.send(ctx, HttpResponseStatus.OK, Responses.JSON, models());
      }
      case "/health" -> {
        requireGet(method, path);
        Responses.send(ctx, HttpResponseStatus.OK, Responses.JSON, "");
      }
      case "/metrics" -> {
        requireGet(method, path);
        Responses.send(ctx, HttpResponseStatus.OK, Responses.PROMETHEUS_TEXT, metrics.vllm());
      }
      default -> {
        if (path.equals(FaultsAdmin.PATH) || path.startsWith(FaultsAdmin.PATH + "/")) {
          FaultsAdmin.Reply reply =
              admin.handle(method, path, ByteBufUtil.getBytes(request.content()));
          Responses.send(ctx, reply.status(), Responses.JSON, reply.body());
        } else {
          throw OpenAiError.notFound(null, "no such path: " + path);
        }
      }
    }
  }

  private void completions(
      ChannelHandlerContext ctx, FullHttpRequest request, HttpMethod method, boolean chat)
      throws OpenAiError {
    if (!method.equals(HttpMethod.POST)) {
      throw OpenAiError.methodNotAllowed("use POST, not " + method);
    }
    ParsedRequest parsed = parser.parse(ByteBufUtil.getBytes(request.content()), chat);
    int injected = faults.errorStatus();
    if (injected != 0) {
      throw OpenAiError.injected(injected);
    }
    long arrival = clock.nowNanos();
    String clientId = request.headers().get("x-request-id");
    String requestId = clientId != null && !clientId.isBlank() ? clientId : randomId();
    String id = (chat ? "chatcmpl-" : "cmpl-") + requestId;
    ChunkFormat format =
        new ChunkFormat(
            chat, id, parsed.model(), arrival / 1_000_000_000L, parsed.promptTokens().length);
    Channel channel = ctx.channel();
    DelayedWriter out = new DelayedWriter(channel, faults);
    InFlight inFlight = new InFlight(channel);
    RequestObserver observer =
        parsed.stream()
            ? new StreamingResponder(
                out,
                format,
                parsed,
                parsed.includeUsage() || options.forceIncludeUsage(),
                options.promptTokensDetails(),
                inFlight)
            : new CompleteResponder(
                out, format, requestId, options.promptTokensDetails(), inFlight);
    EngineRequest engineRequest =
        new EngineRequest(
            id,
            parsed.promptTokens(),
            parsed.maxTokens(),
            parsed.minTokens(),
            parsed.ignoreEos(),
            arrival,
            parsed.requestedMaxTokens(),
            parsed.temperature(),
            parsed.topP(),
            request.headers().get("traceparent"),
            request.headers().get("tracestate"),
            observer);
    try {
      inFlight.submission = engine.submit(engineRequest);
    } catch (Engine.QueueFullException e) {
      throw OpenAiError.unavailable(e.getMessage());
    }
    channel.closeFuture().addListener(inFlight);
    if (parsed.stream()) {
      // As vLLM: the 200 and headers go out right after parsing, before queueing and prefill.
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
      head.headers().set("x-request-id", requestId);
      HttpUtil.setTransferEncodingChunked(head, true);
      out.writeAndFlush(head);
    }
  }

  private String models() {
    long created = clock.nowNanos() / 1_000_000_000L;
    String model = Json.quote(options.model());
    return "{\"object\":\"list\",\"data\":[{\"id\":"
        + model
        + ",\"object\":\"model\",\"created\":"
        + created
        + ",\"owned_by\":\"vllm\",\"root\":"
        + model
        + ",\"parent\":null,\"max_model_len\":"
        + engine.config().maxModelLen()
        + "}]}";
  }

  private static void requireGet(HttpMethod method, String path) throws OpenAiError {
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      throw OpenAiError.methodNotAllowed(path + " takes GET, not " + method);
    }
  }

  private static void rejectUndecodable(ChannelHandlerContext ctx, Throwable cause) {
    HttpResponseStatus status =
        cause instanceof TooLongHttpHeaderException
            ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
            : cause instanceof TooLongHttpLineException
                ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : HttpResponseStatus.BAD_REQUEST;
    String message =
        cause instanceof TooLongFrameException
            ? "request line or headers too large: " + cause.getMessage()
            : "malformed HTTP request: " + cause.getMessage();
    String body =
        "{\"error\":{\"message\":"
            + Json.quote(message)
            + ",\"type\":\"BadRequestError\",\"param\":null,\"code\":"
            + status.code()
            + "}}";
    ctx.writeAndFlush(Responses.create(ctx, status, Responses.JSON, body))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private static String randomId() {
    return UUID.randomUUID().toString().replace("-", ""); // like vLLM's uuid4().hex
  }

  /** Aborts the engine request when the connection closes first; forgotten when it ends. */
  private static final class InFlight implements ChannelFutureListener, Runnable {
    private final Channel channel;
    Engine.Submission submission;

    InFlight(Channel channel) {
      this.channel = channel;
    }

    @Override
    public void operationComplete(ChannelFuture future) {
      submission.abort();
    }

    @Override
    public void run() {
      channel.closeFuture().removeListener(this);
    }
  }
}
