package dev.infertrace.proxy.epp;

import com.google.protobuf.ByteString;
import dev.infertrace.proxy.failure.Failure;
import dev.infertrace.proxy.failure.ProxyFailure;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;

/**
 * The gateway's side of one ext_proc {@code Process} stream, as Envoy drives it for an EPP (request
 * and response headers SEND, bodies FULL_DUPLEX_STREAMED, announced in the first message's {@code
 * protocol_config}): request headers, then the body in chunks with end of stream; the EPP's headers
 * response (header mutation naming {@code x-gateway-destination-endpoint}) and its streamed body
 * are what goes upstream; an immediate response is answered to the client as is. Then the response
 * headers (answered with a mutation the gateway applies before writing them) and a copy of every
 * response body chunk, so the EPP's own accounting of the request completes.
 *
 * <p>Every callback runs on the exchange's event loop (the call's executor). Each message the
 * gateway waits for has a deadline ({@code timeout}); missing it cancels the stream.
 */
public final class ExtProcStream {
  static final int CHUNK = 64 * 1024;
  static final String DESTINATION = RouteObserver.DESTINATION;

  /** What the exchange hears; on its event loop, at most one of the three, once. */
  public interface Listener {
    /** The EPP answered: send the request to {@code route.endpoint()}. */
    void onRoute(Route route);

    /** The EPP answered the client itself (429 shed, 503 no capacity, ...). */
    void onImmediate(int status, Map<String, String> headers, byte[] body);

    /**
     * No routing answer: unreachable, stream closed or failed, or no answer within the timeout.
     *
     * @param failure one of the {@code EPP_*} kinds of {@link ProxyFailure}
     */
    void onFailure(Failure failure);
  }

  /** The EPP's answer for the request: where it goes, what changes in its headers and body. */
  public record Route(
      String endpoint,
      List<HeaderValueOption> setHeaders,
      List<String> removeHeaders,
      @Nullable ByteBuf body) {
    /** Applies the header mutation to the outgoing request (or response) headers. */
    public void apply(HttpHeaders h) {
      applyMutation(h, setHeaders, removeHeaders);
    }
  }

  private enum Phase {
    REQUEST,
    RESPONSE,
    DONE
  }

  private final ClientCall<ProcessingRequest, ProcessingResponse> call;
  private final EventLoop loop;
  private final long timeoutNanos;
  private final Listener listener;
  private Phase phase = Phase.REQUEST;
  private boolean requestHasBody;
  private boolean headersAnswered;
  private boolean bodyAnswered;
  private final List<HeaderValueOption> set = new ArrayList<>();
  private final List<String> remove = new ArrayList<>();
  private String endpoint;
  private ByteBuf streamedBody;
  private boolean bodyReplaced;
  private ScheduledFuture<?> deadline;
  private HttpHeaders pendingResponseHeaders;
  private Runnable pendingResponse;
  private boolean closed;
  private boolean halfClosed;

  ExtProcStream(
      io.grpc.Channel channel,
      EventLoop loop,
      java.time.Duration timeout,
      Map<String, String> grpcHeaders,
      Listener listener) {
    this.loop = loop;
    this.timeoutNanos = timeout.toNanos();
    this.listener = listener;
    this.call =
        channel.newCall(
            ExternalProcessorGrpc.getProcessMethod(), CallOptions.DEFAULT.withExecutor(loop));
    Metadata md = new Metadata();
    grpcHeaders.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    call.start(new Callbacks(), md);
    call.request(Integer.MAX_VALUE); // answers are small and few; the gateway reads them all
  }

  /**
   * Sends the request: headers (with {@code :method}, {@code :path}, {@code :authority}, {@code
   * :scheme} first, as Envoy does) and the body in chunks, the last with end of stream.
   */
  public void sendRequest(
      String method, String path, String authority, HttpHeaders headers, ByteBuf body) {
    requestHasBody = body.isReadable();
    call.sendMessage(requestHeaders(method, path, authority, headers, !requestHasBody));
    int from = body.readerIndex();
    int left = body.readableBytes();
    while (left > 0) {
      int n = Math.min(CHUNK, left);
      call.sendMessage(body(body.nioBuffer(from, n), left == n, false));
      from += n;
      left -= n;
    }
    arm();
  }

  /**
   * Sends the response headers and runs {@code then} once the EPP's answer has been applied to
   * {@code headers} (or at once when the stream is gone, or after the timeout).
   */
  public void sendResponseHeaders(int status, HttpHeaders headers, Runnable then) {
    if (phase != Phase.RESPONSE) {
      then.run();
      return;
    }
    pendingResponseHeaders = headers;
    pendingResponse = then;
    call.sendMessage(responseHeaders(status, headers));
    arm();
  }

  /** A copy of one response body chunk; the last one half-closes the stream. */
  public void sendResponseBody(ByteBuf chunk, boolean last) {
    if (phase != Phase.RESPONSE) {
      return;
    }
    call.sendMessage(body(chunk.nioBuffer(), last, true));
    if (last) {
      halfClose();
    }
  }

  /** The exchange is over (or the client went away): close the stream if still open. */
  public void cancel(String why) {
    disarm();
    runPending();
    if (phase == Phase.DONE || closed) {
      return;
    }
    phase = Phase.DONE;
    if (halfClosed) {
      return; // let the EPP finish its side of a complete exchange
    }
    call.cancel(why, null);
  }

  private void halfClose() {
    if (!halfClosed && !closed) {
      halfClosed = true;
      call.halfClose();
    }
  }

  private final class Callbacks extends ClientCall.Listener<ProcessingResponse> {
    @Override
    public void onMessage(ProcessingResponse r) {
      switch (phase) {
        case REQUEST -> onRequestAnswer(r);
        case RESPONSE -> onResponseAnswer(r);
        case DONE -> {}
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      closed = true;
      disarm();
      if (phase == Phase.REQUEST) {
        phase = Phase.DONE;
        releaseBody();
        if (status.isOk()) {
          listener.onFailure(
              Failure.of(
                  ProxyFailure.EPP_CLOSED, "the EPP closed the stream without a routing answer"));
        } else if (status.getCode() == Status.Code.UNAVAILABLE) {
          listener.onFailure(
              Failure.of(ProxyFailure.EPP_UNAVAILABLE, "EPP unavailable: " + describe(status)));
        } else {
          listener.onFailure(
              new Failure(
                  ProxyFailure.EPP_FAILED,
                  ProxyFailure.eppStatus(status.getCode().name()),
                  "EPP failed the stream: " + describe(status)));
        }
      } else {
        phase = Phase.DONE;
        runPending();
      }
    }
  }

  private void onRequestAnswer(ProcessingResponse r) {
    if (r.hasImmediateResponse()) {
      ImmediateResponse ir = r.getImmediateResponse();
      phase = Phase.DONE;
      disarm();
      releaseBody();
      Map<String, String> headers = new java.util.LinkedHashMap<>();
      for (HeaderValueOption o : ir.getHeaders().getSetHeadersList()) {
        headers.put(o.getHeader().getKey(), value(o.getHeader()));
      }
      call.cancel("answered with an immediate response", null);
      int code = ir.getStatus().getCodeValue();
      listener.onImmediate(code == 0 ? 200 : code, headers, ir.getBody().toByteArray());
      return;
    }
    CommonResponse common = null;
    if (r.hasRequestHeaders()) {
      headersAnswered = true;
      common = r.getRequestHeaders().getResponse();
    } else if (r.hasRequestBody()) {
      BodyResponse b = r.getRequestBody();
      common = b.getResponse();
      headersAnswered = true; // an EPP answering in buffered style puts its mutation here
      var mutation = common.getBodyMutation();
      if (mutation.hasStreamedResponse()) {
        if (streamedBody == null) {
          streamedBody = Unpooled.buffer();
        }
        streamedBody.writeBytes(mutation.getStreamedResponse().getBody().asReadOnlyByteBuffer());
        bodyReplaced = true;
        bodyAnswered = mutation.getStreamedResponse().getEndOfStream();
      } else if (mutation.hasBody()) {
        releaseBody();
        streamedBody = Unpooled.wrappedBuffer(mutation.getBody().toByteArray());
        bodyReplaced = true;
        bodyAnswered = true;
      } else {
        bodyAnswered = true; // CONTINUE: the original body goes on
      }
    }
    if (common != null) {
      set.addAll(common.getHeaderMutation().getSetHeadersList());
      remove.addAll(common.getHeaderMutation().getRemoveHeadersList());
      for (HeaderValueOption o : common.getHeaderMutation().getSetHeadersList()) {
        if (o.getHeader().getKey().equalsIgnoreCase(DESTINATION)) {
          endpoint = value(o.getHeader());
        }
      }
    }
    if (endpoint == null && r.hasDynamicMetadata()) {
      var lb = r.getDynamicMetadata().getFieldsMap().get("envoy.lb");
      if (lb != null && lb.hasStructValue()) {
        var dest = lb.getStructValue().getFieldsMap().get(DESTINATION);
        if (dest != null && dest.hasStringValue()) {
          endpoint = dest.getStringValue();
        }
      }
    }
    if (headersAnswered && (!requestHasBody || bodyAnswered)) {
      disarm();
      phase = Phase.RESPONSE;
      if (endpoint == null || endpoint.isBlank()) {
        phase = Phase.DONE;
        releaseBody();
        call.cancel("no destination in the EPP's answer", null);
        listener.onFailure(
            Failure.of(ProxyFailure.EPP_NO_DESTINATION, "the EPP answered without " + DESTINATION));
        return;
      }
      ByteBuf body = bodyReplaced ? streamedBody : null;
      streamedBody = null;
      listener.onRoute(new Route(first(endpoint), List.copyOf(set), List.copyOf(remove), body));
    } else {
      arm(); // the next answer is due within the timeout too
    }
  }

  private void onResponseAnswer(ProcessingResponse r) {
    if (r.hasResponseHeaders() && pendingResponse != null) {
      disarm();
      var m = r.getResponseHeaders().getResponse().getHeaderMutation();
      applyMutation(pendingResponseHeaders, m.getSetHeadersList(), m.getRemoveHeadersList());
      runPending();
    }
    // Streamed response-body answers echo the chunks; the gateway relays the upstream's own bytes.
  }

  private void runPending() {
    Runnable p = pendingResponse;
    pendingResponse = null;
    pendingResponseHeaders = null;
    if (p != null) {
      p.run();
    }
  }

  private void arm() {
    disarm();
    deadline = loop.schedule(this::onTimeout, timeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void disarm() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  private void onTimeout() {
    deadline = null;
    if (phase == Phase.REQUEST) {
      phase = Phase.DONE;
      releaseBody();
      call.cancel("no answer from the EPP in time", null);
      listener.onFailure(
          Failure.of(
              ProxyFailure.EPP_TIMEOUT,
              "the EPP sent no routing answer within " + timeoutNanos / 1_000_000 + " ms"));
    } else if (pendingResponse != null) {
      // The response goes on without the EPP's header answer; the stream is given up.
      phase = Phase.DONE;
      call.cancel("no answer to the response headers in time", null);
      runPending();
    }
  }

  private void releaseBody() {
    if (streamedBody != null) {
      streamedBody.release();
      streamedBody = null;
    }
  }

  /**
   * The stream's first message: the request headers (with {@code :method}, {@code :path}, {@code
   * :authority}, {@code :scheme} first, as Envoy sends them) and the processing modes.
   */
  static ProcessingRequest requestHeaders(
      String method, String path, String authority, HttpHeaders headers, boolean endOfStream) {
    HeaderMap.Builder map = HeaderMap.newBuilder();
    add(map, ":method", method);
    add(map, ":path", path);
    add(map, ":authority", authority);
    add(map, ":scheme", "http");
    for (Map.Entry<String, String> e : headers) {
      add(map, e.getKey().toLowerCase(Locale.ROOT), e.getValue());
    }
    return ProcessingRequest.newBuilder()
        .setProtocolConfig(
            ProtocolConfiguration.newBuilder()
                .setRequestBodyMode(ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED)
                .setResponseBodyMode(ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED))
        .setRequestHeaders(
            io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders.newBuilder()
                .setHeaders(map)
                .setEndOfStream(endOfStream))
        .build();
  }

  /** The response headers, {@code :status} first. */
  static ProcessingRequest responseHeaders(int status, HttpHeaders headers) {
    HeaderMap.Builder map = HeaderMap.newBuilder();
    add(map, ":status", Integer.toString(status));
    for (Map.Entry<String, String> e : headers) {
      add(map, e.getKey().toLowerCase(Locale.ROOT), e.getValue());
    }
    return ProcessingRequest.newBuilder()
        .setResponseHeaders(
            io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders.newBuilder().setHeaders(map))
        .build();
  }

  /** One chunk of the request's or the response's body, copied. */
  static ProcessingRequest body(java.nio.ByteBuffer chunk, boolean last, boolean response) {
    HttpBody b =
        HttpBody.newBuilder().setBody(ByteString.copyFrom(chunk)).setEndOfStream(last).build();
    ProcessingRequest.Builder r = ProcessingRequest.newBuilder();
    return (response ? r.setResponseBody(b) : r.setRequestBody(b)).build();
  }

  static void applyMutation(
      HttpHeaders h, List<HeaderValueOption> setHeaders, List<String> removeHeaders) {
    for (String name : removeHeaders) {
      h.remove(name);
    }
    for (HeaderValueOption o : setHeaders) {
      String key = o.getHeader().getKey();
      if (key.startsWith(":")) {
        continue; // pseudo-headers are not HTTP/1.1 headers
      }
      boolean append =
          o.getAppendAction() == HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
              || (o.hasAppend() && o.getAppend().getValue());
      try {
        if (append) {
          h.add(key, value(o.getHeader()));
        } else {
          h.set(key, value(o.getHeader()));
        }
      } catch (IllegalArgumentException e) {
        // Not a valid HTTP/1.1 header name or value (a space, a CR LF): not sent, never thrown
        // into the exchange. Envoy rejects such a mutation too.
      }
    }
  }

  private static String first(String endpoints) {
    int comma = endpoints.indexOf(',');
    return (comma < 0 ? endpoints : endpoints.substring(0, comma)).strip();
  }

  private static void add(HeaderMap.Builder map, String key, String value) {
    map.addHeaders(
        HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)));
  }

  static String value(HeaderValue h) {
    return h.getRawValue().isEmpty()
        ? h.getValue()
        : h.getRawValue().toString(StandardCharsets.UTF_8);
  }

  private static String describe(Status s) {
    return s.getCode() + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")");
  }
}
