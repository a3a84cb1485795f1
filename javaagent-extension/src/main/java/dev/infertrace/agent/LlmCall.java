package dev.infertrace.agent;

import static dev.infertrace.core.schema.LlmAttributes.*;

import dev.infertrace.core.openai.OpenAiRequest;
import dev.infertrace.core.openai.OpenAiRequestSniffer;
import dev.infertrace.core.stream.ResponseAttributes;
import dev.infertrace.core.stream.ResponseTap;
import dev.infertrace.core.stream.StreamSummary;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.instrumenter.SpanKindExtractor;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;
import javax.annotation.Nullable;

/**
 * One call to an OpenAI-compatible endpoint, whatever the HTTP client: a GenAI CLIENT span started
 * when the request is sent (through the agent's {@link Instrumenter}, so the agent's span
 * suppression rules apply), the request body read (copies, up to the sniff limit) for the model and
 * options, the response read (copies) for time to first chunk, time per output token, chunk gaps,
 * usage and finish reasons — and the span ended exactly once: completed, failed, or abandoned.
 *
 * <p>Where another instrumentation already opened a GenAI span for the call (the agent's
 * openai-java instrumentation), that span is enriched instead: one GenAI span per call. A call made
 * inside a traced call (a second interceptor, an SDK's retry hook) is not traced again.
 *
 * <p>The bytes the application reads are never touched. Thread-safe (client callbacks come from
 * pool threads).
 */
public final class LlmCall {
  private static final String SCOPE = "dev.infertrace.javaagent-extension";
  private static final ContextKey<LlmCall> IN_FLIGHT = ContextKey.named("infertrace-llm-call");
  private static final AttributeKey<Boolean> CANCELLED_KEY = AttributeKey.booleanKey(CANCELLED);
  private static final Instrumenter<Target, Void> INSTRUMENTER =
      Instrumenter.<Target, Void>builder(GlobalOpenTelemetry.get(), SCOPE, t -> t.operation)
          .addAttributesExtractor(new TargetAttributes())
          .buildInstrumenter(SpanKindExtractor.alwaysClient());

  private final Target target;
  private final Span span;
  private final Context context;

  /** True when the span is ours to name and end; false when it is another's, enriched. */
  private final boolean owned;

  private final long startNanos;
  private final ResponseTap response = new ResponseTap(InfertraceConfig.SNIFF_LIMIT);
  private byte[] request = new byte[0];
  private int requestLength;
  private boolean requestOverLimit;
  private boolean sniffed;
  private int status;
  @Nullable private BodyEnd bodyEnd;
  private final byte[] scratch = new byte[8192];
  private boolean ended;

  private LlmCall(Target target, Context context, Span span, boolean owned, long startNanos) {
    this.target = target;
    this.startNanos = startNanos;
    this.span = span;
    this.owned = owned;
    this.context = context.with(IN_FLIGHT, this);
  }

  /**
   * A call to trace, or null when {@code uri} is not an LLM endpoint, when the call is made inside
   * one already traced, or when the agent's suppression rules say no CLIENT span here.
   */
  @Nullable
  public static LlmCall start(Context parent, String method, URI uri) {
    if (!InfertraceConfig.matches(uri.getPath()) || parent.get(IN_FLIGHT) != null) {
      return null;
    }
    String operation = OpenAiRequestSniffer.operationOf(uri.getPath());
    Target target = new Target(method, uri, operation != null ? operation : "chat");
    AgentGenAiSpan enclosing = AgentGenAiSpan.in(parent);
    if (enclosing != null) {
      return new LlmCall(target, parent, enclosing.span, false, enclosing.startNanos);
    }
    if (!INSTRUMENTER.shouldStart(parent, target)) {
      return null;
    }
    long before = System.nanoTime();
    Context context = INSTRUMENTER.start(parent, target);
    Span span = Span.fromContext(context);
    return new LlmCall(target, context, span, true, AgentGenAiSpan.startNanos(span, before));
  }

  /** The call's context (its span current): what goes out in {@code traceparent}. */
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
    OpenAiRequest r = OpenAiRequestSniffer.sniff(target.operation, request, 0, requestLength);
    request = null;
    if (r == null) {
      return;
    }
    if (r.model() != null && owned) {
      span.setAttribute(REQUEST_MODEL, r.model());
      span.updateName(target.operation + " " + r.model());
    }
    span.setAttribute(AttributeKey.booleanKey(REQUEST_STREAM), r.stream());
    if (r.maxTokens() != null && owned) {
      span.setAttribute(REQUEST_MAX_TOKENS, (long) r.maxTokens());
    }
    if (r.n() != null && owned) {
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

  /**
   * The response status line and headers arrived.
   *
   * @param contentLength the declared body length, or -1 when unknown
   */
  public synchronized void responseHeaders(
      int statusCode, @Nullable String contentType, long contentLength) {
    status = statusCode;
    response.onHeaders(System.nanoTime(), contentType);
    bodyEnd = new BodyEnd(contentLength, response.isStream());
    if (owned) {
      span.setAttribute(HTTP_STATUS, (long) statusCode);
    } else {
      // Another's span may end before its body is closed (the agent's stream wrapper ends its
      // span, then closes the body): until this call ends, it is one the application abandoned.
      span.setAttribute(CANCELLED_KEY, true);
    }
  }

  /**
   * Response body bytes as the application gets them (read, never consumed). The call ends here
   * once the bytes say the body is whole ({@code [DONE]}, or the declared length).
   */
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
    if (bodyEnd != null) {
      bodyEnd.onBytes(bytes.duplicate());
      if (bodyEnd.reached()) {
        finish(null, false);
      }
    }
  }

  /** The response ended ({@code error} null) or failed: ends the span, once. */
  public void end(@Nullable Throwable error) {
    finish(error, false);
  }

  /**
   * The application closed the body (or cancelled its subscription): the end of the call when the
   * body was whole, an abandonment ({@code llm.cancelled}) when it stopped before the end.
   */
  public synchronized void closed() {
    finish(null, bodyEnd == null || !bodyEnd.closesWhole());
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
    if (cancelled || !owned) {
      span.setAttribute(CANCELLED_KEY, cancelled);
    }
    String bodyError = s == null ? null : s.errorType();
    if (error != null) {
      span.setAttribute(ERROR_TYPE, error.getClass().getName());
    } else if (status >= 400 || bodyError != null) {
      span.setAttribute(ERROR_TYPE, bodyError != null ? bodyError : Integer.toString(status));
      if (owned) {
        span.setStatus(StatusCode.ERROR);
      }
    }
    if (owned) {
      INSTRUMENTER.end(context, target, null, error);
    } // else another's span: it sets its status from the client's exception and ends itself
  }

  /** What the span is started from: the request line, before any byte of the body. */
  static final class Target {
    final String method;
    final URI uri;
    final String operation;

    Target(String method, URI uri, String operation) {
      this.method = method;
      this.uri = uri;
      this.operation = operation;
    }
  }

  /** Request-line attributes, set at start so that the sampler sees them. */
  static final class TargetAttributes implements AttributesExtractor<Target, Void> {
    @Override
    public void onStart(AttributesBuilder attributes, Context parent, Target t) {
      String host = t.uri.getHost() == null ? "" : t.uri.getHost();
      int port =
          t.uri.getPort() > 0
              ? t.uri.getPort()
              : "https".equalsIgnoreCase(t.uri.getScheme()) ? 443 : 80;
      attributes
          .put(OPERATION_NAME, t.operation)
          .put(PROVIDER_NAME, host.endsWith("openai.com") ? "openai" : InfertraceConfig.PROVIDER)
          .put(HTTP_METHOD, t.method)
          .put(URL_PATH, t.uri.getPath())
          .put(SERVER_ADDRESS, host)
          .put(SERVER_PORT, (long) port);
    }

    @Override
    public void onEnd(
        AttributesBuilder attributes,
        Context context,
        Target t,
        @Nullable Void response,
        @Nullable Throwable error) {}
  }

  /** The keys of core's {@link ResponseAttributes}, by {@link ResponseAttributes.Key} ordinal. */
  private static final List<AttributeKey<Object>> RESPONSE_KEYS = responseKeys();

  private static List<AttributeKey<Object>> responseKeys() {
    List<AttributeKey<Object>> keys = new ArrayList<>();
    for (ResponseAttributes.Key k : ResponseAttributes.Key.values()) {
      keys.add(key(k));
    }
    return Collections.unmodifiableList(keys);
  }

  @SuppressWarnings("unchecked")
  private static AttributeKey<Object> key(ResponseAttributes.Key k) {
    switch (k.type) {
      case STRING:
        return (AttributeKey<Object>) (AttributeKey<?>) AttributeKey.stringKey(k.attribute);
      case STRING_ARRAY:
        return (AttributeKey<Object>) (AttributeKey<?>) AttributeKey.stringArrayKey(k.attribute);
      case LONG:
        return (AttributeKey<Object>) (AttributeKey<?>) AttributeKey.longKey(k.attribute);
      case DOUBLE:
        return (AttributeKey<Object>) (AttributeKey<?>) AttributeKey.doubleKey(k.attribute);
      case BOOLEAN:
        return (AttributeKey<Object>) (AttributeKey<?>) AttributeKey.booleanKey(k.attribute);
      default:
        throw new AssertionError(k.type);
    }
  }
}
