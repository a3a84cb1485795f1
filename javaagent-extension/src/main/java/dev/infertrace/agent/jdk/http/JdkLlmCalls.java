package dev.infertrace.agent.jdk.http;

import dev.infertrace.agent.LlmCall;
import io.opentelemetry.context.Context;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import javax.annotation.Nullable;

/**
 * What the advice does for the JDK client: a call to an LLM endpoint gets an {@link LlmCall}; the
 * request is re-built with the span's trace context and a body publisher that shows the call a copy
 * of each buffer sent; the body handler is wrapped so that the call sees each response buffer
 * (never changed, never consumed) and learns how the body ended. Needs Java 16 (see the package).
 */
public final class JdkLlmCalls {
  private static final Set<String> PROPAGATION =
      Set.of("traceparent", "tracestate", "baggage", "b3", "x-b3-traceid");

  /**
   * The innermost synchronous {@code send} on this thread: {@code [enclosing frame, its call]}. The
   * call is filled in by the {@code sendAsync} that {@code send} delegates to.
   */
  private static final ThreadLocal<Object[]> SYNC_SEND = new ThreadLocal<>();

  private JdkLlmCalls() {}

  /** A synchronous {@code send} begins: its frame, for {@link #exitSend}. */
  public static Object[] enterSend() {
    Object[] frame = {SYNC_SEND.get(), null};
    SYNC_SEND.set(frame);
    return frame;
  }

  /**
   * A synchronous {@code send} returned or threw. When it threw, its call ends here, with that
   * exception, before the application sees it (the future's own callback may come later, on the
   * client's thread, and then finds the span ended).
   */
  public static void exitSend(@Nullable Object[] frame, @Nullable Throwable thrown) {
    if (frame == null) {
      return;
    }
    if (frame[0] == null) {
      SYNC_SEND.remove();
    } else {
      SYNC_SEND.set((Object[]) frame[0]);
    }
    if (thrown != null && frame[1] instanceof LlmCall) {
      ((LlmCall) frame[1]).end(thrown);
    }
  }

  /** {@code [request, handler, call]}: the originals and null when the call is not traced. */
  public static Object[] onSend(HttpRequest request, HttpResponse.BodyHandler<?> handler) {
    LlmCall call = LlmCall.start(Context.current(), request.method(), request.uri());
    if (call == null) {
      return new Object[] {request, handler, null};
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
            request, (name, value) -> !PROPAGATION.contains(name.toLowerCase(Locale.ROOT)));
    request
        .bodyPublisher()
        .ifPresentOrElse(
            p -> b.method(request.method(), new TeePublisher(p, call)), call::requestComplete);
    call.inject(b::setHeader);
    return new Object[] {b.build(), new ObservingHandler<>(handler, call), call};
  }

  /**
   * Makes the call's span current while the client prepares and sends the request, so that the
   * trace context the client writes into the request (the agent's, or ours) is the call's.
   */
  @Nullable
  public static Object makeCurrent(@Nullable Object traced) {
    return traced instanceof LlmCall ? ((LlmCall) traced).context().makeCurrent() : null;
  }

  /** After the (async) send returned: a send that failed before any response ends the span. */
  public static void onSent(
      @Nullable Object traced,
      @Nullable Object scope,
      @Nullable CompletableFuture<?> result,
      @Nullable Throwable thrown) {
    if (scope instanceof io.opentelemetry.context.Scope) {
      ((io.opentelemetry.context.Scope) scope).close();
    }
    if (!(traced instanceof LlmCall)) {
      return;
    }
    LlmCall call = (LlmCall) traced;
    Object[] frame = SYNC_SEND.get();
    if (frame != null && frame[1] == null) {
      frame[1] = call;
    }
    if (thrown != null) {
      call.end(thrown);
    } else if (result != null) {
      result.whenComplete(
          (r, error) -> {
            if (error != null) {
              call.end(
                  error instanceof CompletionException && error.getCause() != null
                      ? error.getCause()
                      : error);
            }
          });
    }
  }

  /** Shows the call a copy of each request buffer as the client takes it. */
  static final class TeePublisher implements HttpRequest.BodyPublisher {
    private final HttpRequest.BodyPublisher delegate;
    private final LlmCall call;
    private volatile boolean subscribed;

    TeePublisher(HttpRequest.BodyPublisher delegate, LlmCall call) {
      this.delegate = delegate;
      this.call = call;
    }

    @Override
    public long contentLength() {
      return delegate.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
      if (subscribed) {
        delegate.subscribe(subscriber); // a retry or redirect: the body was seen already
        return;
      }
      subscribed = true;
      delegate.subscribe(
          new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
              subscriber.onSubscribe(s);
            }

            @Override
            public void onNext(ByteBuffer item) {
              call.requestBytes(item);
              subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable t) {
              subscriber.onError(t);
            }

            @Override
            public void onComplete() {
              call.requestComplete();
              subscriber.onComplete();
            }
          });
    }
  }

  /** Wraps the application's body handler; its subscriber is the application's, observed. */
  static final class ObservingHandler<T> implements HttpResponse.BodyHandler<T> {
    private final HttpResponse.BodyHandler<T> delegate;
    private final LlmCall call;

    ObservingHandler(HttpResponse.BodyHandler<T> delegate, LlmCall call) {
      this.delegate = delegate;
      this.call = call;
    }

    @Override
    public HttpResponse.BodySubscriber<T> apply(HttpResponse.ResponseInfo info) {
      call.responseHeaders(
          info.statusCode(),
          info.headers().firstValue("content-type").orElse(null),
          info.headers().firstValueAsLong("content-length").orElse(-1));
      return new ObservingSubscriber<>(delegate.apply(info), call);
    }
  }

  static final class ObservingSubscriber<T> implements HttpResponse.BodySubscriber<T> {
    private final HttpResponse.BodySubscriber<T> delegate;
    private final LlmCall call;

    ObservingSubscriber(HttpResponse.BodySubscriber<T> delegate, LlmCall call) {
      this.delegate = delegate;
      this.call = call;
    }

    @Override
    public java.util.concurrent.CompletionStage<T> getBody() {
      return delegate.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      delegate.onSubscribe(
          new Flow.Subscription() {
            @Override
            public void request(long n) {
              subscription.request(n);
            }

            @Override
            public void cancel() {
              call.closed(); // the end if the body was whole, else the application gave up
              subscription.cancel();
            }
          });
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
      for (ByteBuffer b : item) {
        call.responseBytes(b);
      }
      delegate.onNext(item);
    }

    @Override
    public void onError(Throwable throwable) {
      call.end(throwable);
      delegate.onError(throwable);
    }

    @Override
    public void onComplete() {
      call.end(null);
      delegate.onComplete();
    }
  }
}
