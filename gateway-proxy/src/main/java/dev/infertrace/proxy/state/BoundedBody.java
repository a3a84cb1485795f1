package dev.infertrace.proxy.state;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read into a string, up to a limit: a body declared or found larger fails with
 * {@link TooLarge} and the rest is not read (the connection is given up), so a scrape of a huge or
 * endless page costs at most {@code maxBytes} of memory.
 */
public final class BoundedBody {
  private BoundedBody() {}

  /** The body was larger than the limit. */
  public static final class TooLarge extends IOException {
    TooLarge(long maxBytes) {
      super("response body over " + maxBytes + " bytes");
    }
  }

  /** A handler whose body is the response as UTF-8 text, at most {@code maxBytes} of it. */
  public static HttpResponse.BodyHandler<String> ofString(int maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be >= 1, got " + maxBytes);
    }
    return info -> {
      long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
      return new Subscriber(maxBytes, declared > maxBytes);
    };
  }

  /** Whether {@code error} (as an async send completes with it) is a body over the limit. */
  public static boolean isTooLarge(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof TooLarge) {
        return true;
      }
    }
    return false;
  }

  private static final class Subscriber implements HttpResponse.BodySubscriber<String> {
    private final int maxBytes;
    private final boolean declaredTooLarge;
    private final CompletableFuture<String> body = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    Subscriber(int maxBytes, boolean declaredTooLarge) {
      this.maxBytes = maxBytes;
      this.declaredTooLarge = declaredTooLarge;
    }

    @Override
    public CompletionStage<String> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (declaredTooLarge) {
        tooLarge();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer b : buffers) {
        if (bytes.size() + (long) b.remaining() > maxBytes) {
          tooLarge();
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        bytes.writeBytes(chunk);
      }
    }

    private void tooLarge() {
      subscription.cancel();
      bytes.reset();
      body.completeExceptionally(new TooLarge(maxBytes));
    }

    @Override
    public void onError(Throwable error) {
      body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      body.complete(bytes.toString(StandardCharsets.UTF_8));
    }
  }
}
