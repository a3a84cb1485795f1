package dev.infertrace.agent.okhttp;

import dev.infertrace.agent.InfertraceConfig;
import dev.infertrace.agent.LlmCall;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.nio.ByteBuffer;
import javax.annotation.Nullable;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * An application interceptor: a call to an LLM endpoint gets an {@link LlmCall} whose context goes
 * out in the request headers (and is current while the call proceeds, so the agent's HTTP span is
 * its child); the response body is wrapped so that the call sees each chunk the application reads
 * and learns whether it read to the end, failed, or closed the body early.
 */
public final class LlmInterceptor implements Interceptor {
  private LlmInterceptor() {}

  /**
   * Adds the interceptor to a builder once. Called as a client is made of the builder: a builder
   * copied from a client ({@code newBuilder()}, as the OpenAI SDK does per request) already has it.
   */
  public static void install(OkHttpClient.Builder builder) {
    for (Interceptor i : builder.interceptors()) {
      if (i instanceof LlmInterceptor) {
        return;
      }
    }
    builder.interceptors().add(new LlmInterceptor());
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    LlmCall call = LlmCall.start(Context.current(), request.method(), request.url().uri());
    if (call == null) {
      return chain.proceed(request);
    }
    RequestBody body = request.body();
    if (body != null && !body.isOneShot() && !body.isDuplex()) {
      long length = body.contentLength();
      if (length >= 0 && length <= InfertraceConfig.SNIFF_LIMIT) {
        Buffer copy = new Buffer();
        body.writeTo(copy); // a repeatable body: writing it again to the network is fine
        call.requestBody(copy.readByteArray());
      } else {
        call.requestComplete();
      }
    } else {
      call.requestComplete();
    }
    Request.Builder out = request.newBuilder();
    for (String h : new String[] {"traceparent", "tracestate", "baggage"}) {
      out.removeHeader(h);
    }
    call.inject(out::header);
    Response response;
    try (Scope ignored = call.context().makeCurrent()) {
      response = chain.proceed(out.build());
    } catch (IOException | RuntimeException e) {
      call.end(e);
      throw e;
    }
    ResponseBody original = response.body();
    call.responseHeaders(
        response.code(),
        response.header("content-type"),
        original == null ? 0 : original.contentLength());
    if (original == null) {
      call.end(null);
      return response;
    }
    return response.newBuilder().body(new ObservedBody(original, call)).build();
  }

  /** The response body as the application reads it, observed chunk by chunk. */
  static final class ObservedBody extends ResponseBody {
    private final ResponseBody delegate;
    private final LlmCall call;
    private BufferedSource source;

    ObservedBody(ResponseBody delegate, LlmCall call) {
      this.delegate = delegate;
      this.call = call;
    }

    @Nullable
    @Override
    public MediaType contentType() {
      return delegate.contentType();
    }

    @Override
    public long contentLength() {
      return delegate.contentLength();
    }

    @Override
    public BufferedSource source() {
      if (source == null) {
        source =
            Okio.buffer(
                new ForwardingSource(delegate.source()) {
                  private boolean done;

                  @Override
                  public long read(Buffer sink, long byteCount) throws IOException {
                    long n;
                    try {
                      n = super.read(sink, byteCount);
                    } catch (IOException e) {
                      done = true;
                      call.end(e);
                      throw e;
                    }
                    if (n == -1) {
                      done = true;
                      call.end(null);
                    } else if (n > 0) {
                      Buffer chunk = new Buffer();
                      sink.copyTo(chunk, sink.size() - n, n);
                      call.responseBytes(ByteBuffer.wrap(chunk.readByteArray()));
                    }
                    return n;
                  }

                  @Override
                  public void close() throws IOException {
                    if (!done) {
                      call.closed(); // the end if the body was whole, else the application gave up
                    }
                    super.close();
                  }
                });
      }
      return source;
    }

    @Override
    public void close() {
      if (source != null) {
        try {
          source.close();
        } catch (IOException ignored) {
          // closing quietly, as ResponseBody.close does
        }
      } else {
        call.closed();
        delegate.close();
      }
    }
  }
}
