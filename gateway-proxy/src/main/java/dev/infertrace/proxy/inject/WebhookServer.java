package dev.infertrace.proxy.inject;

import dev.infertrace.proxy.admin.HttpListener;
import dev.infertrace.proxy.tls.PemFiles;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admission webhook's HTTPS listener: {@code POST /mutate} (pods that asked by annotation),
 * {@code POST /mutate/namespace-enabled} (pods of a namespace labelled {@code
 * infertrace.io/injection=enabled}), {@code GET /healthz}. The certificate and key are read again
 * when the certificate file changes (a rotated Secret), for the connections after.
 */
public final class WebhookServer implements AutoCloseable {
  /** The path of the webhook entry for pods that carry the annotation. */
  public static final String PATH = "/mutate";

  /** The path of the webhook entry whose namespaceSelector matches the injection label. */
  public static final String NAMESPACE_ENABLED_PATH = "/mutate/namespace-enabled";

  private static final Logger LOG = Logger.getLogger(WebhookServer.class.getName());
  private static final int MAX_REVIEW_BYTES = 8 << 20; // a Pod is at most ~1.5 MiB in etcd

  private final HttpListener listener;

  private WebhookServer(HttpListener listener) {
    this.listener = listener;
  }

  /** Binds {@code address}; fails at once on an unreadable certificate or key. */
  public static WebhookServer start(
      InetSocketAddress address, Path certFile, Path keyFile, AdmissionHandler handler)
      throws IOException, InterruptedException {
    Objects.requireNonNull(handler, "handler");
    Tls tls = new Tls(certFile, keyFile);
    return new WebhookServer(
        HttpListener.start(
            "inject-webhook",
            address,
            MAX_REVIEW_BYTES,
            ch ->
                ch.pipeline()
                    .addLast(tls.current().newHandler(ch.alloc()))
                    .addLast(new ReadTimeoutHandler(30, TimeUnit.SECONDS)),
            () -> new Handler(handler)));
  }

  /** Where it listens (the real port when bound to port 0). */
  public InetSocketAddress address() {
    return listener.address();
  }

  @Override
  public void close() {
    listener.close();
  }

  /** The server's TLS context, rebuilt when the certificate file's modification time changes. */
  private static final class Tls {
    private final Path certFile;
    private final Path keyFile;
    private volatile SslContext context;
    private volatile long loadedAt;

    Tls(Path certFile, Path keyFile) throws IOException {
      this.certFile = Objects.requireNonNull(certFile, "certFile");
      this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
      this.loadedAt = Files.getLastModifiedTime(certFile).toMillis();
      this.context = load();
    }

    SslContext current() {
      try {
        long modified = Files.getLastModifiedTime(certFile).toMillis();
        if (modified != loadedAt) {
          context = load();
          loadedAt = modified;
          LOG.info("inject-webhook: reloaded the certificate from " + certFile);
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.WARNING, "inject-webhook: keeping the previous certificate: " + e);
      }
      return context;
    }

    private SslContext load() throws IOException {
      try {
        return SslContextBuilder.forServer(
                PemFiles.privateKey(keyFile),
                PemFiles.certificates(certFile).toArray(new X509Certificate[0]))
            .build();
      } catch (javax.net.ssl.SSLException e) {
        throw new IOException("TLS: " + e.getMessage(), e);
      }
    }
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final AdmissionHandler admission;

    Handler(AdmissionHandler admission) {
      this.admission = admission;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      String path = request.uri().replaceFirst("\\?.*$", "");
      if (request.method().equals(HttpMethod.GET) && path.equals("/healthz")) {
        send(
            ctx,
            request,
            HttpResponseStatus.OK,
            "text/plain",
            "ok\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      boolean namespaceEnabled = path.equals(NAMESPACE_ENABLED_PATH);
      if (!path.equals(PATH) && !namespaceEnabled) {
        send(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain", bytes("no such path\n"));
        return;
      }
      if (!request.method().equals(HttpMethod.POST)) {
        send(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", bytes("POST\n"));
        return;
      }
      byte[] body = ByteBufUtil.getBytes(request.content());
      try {
        byte[] answer = admission.handle(body, namespaceEnabled);
        send(ctx, request, HttpResponseStatus.OK, "application/json", answer);
      } catch (IOException e) {
        send(
            ctx,
            request,
            HttpResponseStatus.BAD_REQUEST,
            "text/plain",
            bytes("not an AdmissionReview v1: " + e.getMessage() + "\n"));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.log(Level.FINE, "inject-webhook: connection closed: " + cause);
      ctx.close();
    }

    private static byte[] bytes(String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void send(
        ChannelHandlerContext ctx,
        FullHttpRequest request,
        HttpResponseStatus status,
        String type,
        byte[] body) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
      HttpUtil.setContentLength(response, body.length);
      // HttpServerKeepAliveHandler closes the connection after it when the client asked to.
      HttpUtil.setKeepAlive(response, HttpUtil.isKeepAlive(request));
      ctx.writeAndFlush(response);
    }
  }
}
