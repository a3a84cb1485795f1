package dev.infertrace.agent;

import static dev.infertrace.core.schema.LlmAttributes.*;

import dev.infertrace.core.openai.OpenAiRequest;
import dev.infertrace.core.openai.OpenAiRequestSniffer;
import dev.infertrace.core.stream.ResponseAttributes;
import dev.infertrace.core.stream.ResponseTap;
import dev.infertrace.core.stream.StreamSummary;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import javax.annotation.Nullable;

/**
 * One call to an OpenAI-compatible endpoint, whatever the HTTP client: a GenAI CLIENT span started
 * when the request is sent, the request body read (copies, up to the sniff limit) for the model and
 * options, the response read (copies) for time to first chunk, time per output token, chunk gaps,
 * usage and finish reasons — and the span ended exactly once: completed, failed, or closed early.
 * The bytes the application reads are never touched. Thread-safe (client callbacks come from pool
 * threads).
 */
public final class LlmCall {
  private static final Tracer TRACER =
      GlobalOpenTelemetry.getTracer("dev.infertrace.javaagent-extension");

  private final Span span;
  private final Context context;
  private final String operation;
  private final long startNanos = System.nanoTime();
  private final ResponseTap response = new ResponseTap(InfertraceConfig.SNIFF_LIMIT);
  private byte[] request = new byte[0];
  private int requestLength;
  private boolean requestOverLimit;
  private boolean sniffed;
  private int status;
  private final byte[] scratch = new byte[8192];
  private boolean ended;

  private LlmCall(Context parent, String method, URI uri, String operation) {
    this.operation = operation;
    String host = uri.getHost() == null ? "" : uri.getHost();
    int port =
        uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    this.span =
        TRACER
            .spanBuilder(operation)
            .setParent(parent)
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute(OPERATION_NAME, operation)
            .setAttribute(
                PROVIDER_NAME, host.endsWith("openai.com") ? "openai" : InfertraceConfig.PROVIDER)
            .setAttribute(HTTP_METHOD, method)
            .setAttribute(URL_PATH, uri.getPath())
            .setAttribute(SERVER_ADDRESS, host)
            .setAttribute(SERVER_PORT, (long) port)
            .startSpan();
    this.context = parent.with(span);
  }

  /** A call to trace, or null when {@code uri} is not an LLM endpoint. */
  @Nullable
  public static LlmCall start(Context parent, String method, URI uri) {
    if (!InfertraceConfig.matches(uri.getPath())) {
      return null;
    }
    String operation = OpenAiRequestSniffer.operationOf(uri.getPath());
    return new LlmCall(parent, method, uri, operation != null ? operation : "chat");
  }

  /** The span's context: what goes out in {@code traceparent}. */
  public Context context() {
    return context;
  }

  /** Writes the span's context into outgoing headers. */
  public void inject(BiConsumer<String, String> header) {
    GlobalOpenTelemetry.getPropagators()
        .getTextMapPropagator()
        .inject(context, header, (carrier, k, v) -> carrier.accept(k, v));
  }

  /** Request body bytes as they are sent (a copy is kept up to the sniff limit). */
  public synchronized void requestBytes(ByteBuffer bytes) {
    if (sniffed) {
      return; // a re-sent body (retry, redirect): read once already
    }
    int n = bytes.remaining();
    if (requestLength + n > InfertraceConfig.SNIFF_LIMIT) {
      requestOverLimit = true;
      return;
    }
    if (requestLength + n > request.length) {
      request = Arrays.copyOf(request, Math.max(requestLength + n, request.length * 2));
    }
    bytes.duplicate().get(request, requestLength, n);
    requestLength += n;
  }

  /** The request body was sent whole: read the model and options from it. */
  public synchronized void requestComplete() {
    if (sniffed) {
      return;
    }
    sniffed = true;
    span.setAttribute(REQUEST_BODY_SIZE, (long) requestLength);
    if (requestOverLimit || requestLength == 0) {
      return;
    }
    OpenAiRequest r = OpenAiRequestSniffer.sniff(operation, request, 0, requestLength);
    request = null;
    if (r == null) {
      return;
    }
    if (r.model() != null) {
      span.setAttribute(REQUEST_MODEL, r.model());
      span.updateName(operation + " " + r.model());
    }
    span.setAttribute(AttributeKey.booleanKey(REQUEST_STREAM), r.stream());
    if (r.maxTokens() != null) {
      span.setAttribute(REQUEST_MAX_TOKENS, (long) r.maxTokens());
    }
    if (r.n() != null) {
      span.setAttribute(REQUEST_CHOICE_COUNT, (long) r.n());
    }
    span.setAttribute(REQUEST_MESSAGES, (long) r.messages());
    span.setAttribute(REQUEST_PROMPT_CHARS, r.promptChars());
  }

  /** A whole request body known up front (OkHttp). */
  public void requestBody(byte[] body) {
    requestBytes(ByteBuffer.wrap(body));
    requestComplete();
  }

  /** The response status line and headers arrived. */
  public synchronized void responseHeaders(int statusCode, @Nullable String contentType) {
    status = statusCode;
    response.onHeaders(System.nanoTime(), contentType);
    span.setAttribute(HTTP_STATUS, (long) statusCode);
  }

  /** Response body bytes as the application gets them (read, never consumed). */
  public synchronized void responseBytes(ByteBuffer bytes) {
    if (ended) {
      return;
    }
    long now = System.nanoTime();
    ByteBuffer b = bytes.duplicate();
    while (b.hasRemaining()) {
      int n = Math.min(b.remaining(), scratch.length);
      b.get(scratch, 0, n);
      response.onBytes(scratch, 0, n, now);
    }
  }

  /** The response ended ({@code error} null) or failed: ends the span, once. */
  public void end(@Nullable Throwable error) {
    finish(error, false);
  }

  /** The application stopped reading before the end (closed, cancelled): ends the span, once. */
  public void cancelled() {
    finish(null, true);
  }

  private synchronized void finish(@Nullable Throwable error, boolean cancelled) {
    if (ended) {
      return;
    }
    ended = true;
    if (!sniffed) {
      requestComplete();
    }
    long end = System.nanoTime();
    StreamSummary s = status > 0 ? response.complete(end) : null;
    if (s != null) {
      ResponseAttributes.write(
          s, startNanos, end, (k, v) -> span.setAttribute(RESPONSE_KEYS.get(k.ordinal()), v));
    }
    if (cancelled) {
      span.setAttribute(CANCELLED, true);
    }
    String bodyError = s == null ? null : s.errorType();
    if (error != null) {
      span.setAttribute(ERROR_TYPE, error.getClass().getName());
      span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
    } else if (status >= 400 || bodyError != null) {
      span.setAttribute(ERROR_TYPE, bodyError != null ? bodyError : Integer.toString(status));
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /** The keys of core's {@link ResponseAttributes}, by {@link ResponseAttributes.Key} ordinal. */
  private static final List<AttributeKey<Object>> RESPONSE_KEYS =
      Arrays.stream(ResponseAttributes.Key.values()).map(LlmCall::key).toList();

  @SuppressWarnings("unchecked")
  private static AttributeKey<Object> key(ResponseAttributes.Key k) {
    return (AttributeKey<Object>)
        switch (k.type) {
          case STRING -> AttributeKey.stringKey(k.attribute);
          case STRING_ARRAY -> AttributeKey.stringArrayKey(k.attribute);
          case LONG -> AttributeKey.longKey(k.attribute);
          case DOUBLE -> AttributeKey.doubleKey(k.attribute);
          case BOOLEAN -> AttributeKey.booleanKey(k.attribute);
        };
  }
}
