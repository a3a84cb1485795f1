package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The upstream leg on a real loopback socket: connect, send, pool, close. */
class UpstreamLegTest {
  private static final String OK =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final UpstreamPool pool = new UpstreamPool();

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** What the leg reports, in order, as strings. */
  private static final class Recorder implements UpstreamEvents {
    final List<String> events = new CopyOnWriteArrayList<>();
    final BlockingQueue<String> done = new LinkedBlockingQueue<>();

    @Override
    public void onResponseHead(HttpResponse head) {
      events.add("head " + head.status().code());
    }

    @Override
    public void onResponseContent(HttpContent part) {
      events.add("body " + part.content().toString(StandardCharsets.UTF_8));
      if (part instanceof LastHttpContent) {
        done.add("last");
      }
      part.release();
    }

    /** Reads on after each read, as the relay does once the client took the bytes. */
    volatile UpstreamLeg leg;

    @Override
    public void onReadComplete() {
      if (leg != null && done.isEmpty()) {
        leg.read();
      }
    }

    @Override
    public void onUpstreamClosed() {
      events.add("closed");
      done.add("closed");
    }
  }

  /** A client-side context on the group's loop (the leg reads its loop and transport from it). */
  private ChannelHandlerContext clientContext() throws Exception {
    try (ServerSocket sink = new ServerSocket(0)) {
      Channel ch =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .handler(new ChannelInboundHandlerAdapter())
              .connect("127.0.0.1", sink.getLocalPort())
              .sync()
              .channel();
      return ch.pipeline().firstContext();
    }
  }

  private <T> T onLoop(Callable<T> task) throws Exception {
    return group.next().submit(task).get(5, TimeUnit.SECONDS);
  }

  /** Opens the leg and sends a bodiless POST on the event loop, as the exchange does. */
  private void sendOnLoop(UpstreamLeg leg) throws Exception {
    onLoop(
        () -> {
          leg.open(
              Duration.ofSeconds(2),
              () -> leg.send(post("/x"), Unpooled.EMPTY_BUFFER, true, () -> {}),
              cause -> {});
          return null;
        });
  }

  /** A leg that sent a request and read the whole answer. */
  private UpstreamLeg answered(ChannelHandlerContext client, URI uri, Recorder events)
      throws Exception {
    UpstreamLeg leg = new UpstreamLeg(pool, client, uri, events);
    events.leg = leg;
    sendOnLoop(leg);
    assertThat(events.done.poll(5, TimeUnit.SECONDS)).isEqualTo("last");
    return leg;
  }

  private void release(UpstreamLeg leg, boolean reusable) throws Exception {
    onLoop(
        () -> {
          leg.release(reusable);
          return null;
        });
  }

  private static HttpRequest post(String path) {
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path);
  }

  @Test
  void sendsTheHeadWithTheBodyItsLengthAndReportsTheResponse() throws Exception {
    try (RawUpstream upstream = new RawUpstream(new RawUpstream.Script(OK, false))) {
      ChannelHandlerContext client = clientContext();
      Recorder events = new Recorder();
      UpstreamLeg leg = new UpstreamLeg(pool, client, upstream.uri(), events);
      events.leg = leg;
      BlockingQueue<String> written = new LinkedBlockingQueue<>();

      onLoop(
          () -> {
            leg.open(
                Duration.ofSeconds(2),
                () ->
                    leg.send(
                        post("/v1/chat/completions"),
                        Unpooled.copiedBuffer("{\"a\":1}", StandardCharsets.UTF_8),
                        true,
                        () -> written.add("written")),
                cause -> written.add("failed " + cause));
            return null;
          });

      assertThat(written.poll(5, TimeUnit.SECONDS)).isEqualTo("written");
      String request = upstream.requests.poll(5, TimeUnit.SECONDS);
      assertThat(request)
          .startsWith("POST /v1/chat/completions HTTP/1.1\r\n")
          .containsIgnoringCase("content-length: 7")
          .doesNotContainIgnoringCase("transfer-encoding")
          .endsWith("{\"a\":1}");
      assertThat(events.done.poll(5, TimeUnit.SECONDS)).isEqualTo("last");
      assertThat(events.events).containsExactly("head 200", "body {}");
    }
  }

  @Test
  void aReusableConnectionGoesBackToThePoolAndCarriesTheNextRequest() throws Exception {
    try (RawUpstream upstream = new RawUpstream(new RawUpstream.Script(OK, false))) {
      ChannelHandlerContext client = clientContext();
      for (int i = 0; i < 2; i++) {
        UpstreamLeg leg = answered(client, upstream.uri(), new Recorder());
        release(leg, true);
      }

      assertThat(upstream.requests).hasSize(2);
      assertThat(upstream.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void aConnectionNotReusableIsClosedOnRelease() throws Exception {
    try (RawUpstream upstream = new RawUpstream(new RawUpstream.Script(OK, false))) {
      ChannelHandlerContext client = clientContext();
      Recorder events = new Recorder();
      UpstreamLeg leg = answered(client, upstream.uri(), events);

      release(leg, false);

      assertThat(upstream.closedConnections.poll(5, TimeUnit.SECONDS)).isEqualTo("eof");
      assertThat(onLoop(() -> pool.take(leg.authority()))).isNull();
      assertThat(events.events).doesNotContain("closed"); // released: nobody is told any more
    }
  }

  @Test
  void aRefusedConnectIsReportedWithItsCause() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ChannelHandlerContext client = clientContext();
    BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
    UpstreamLeg leg =
        new UpstreamLeg(pool, client, URI.create("http://127.0.0.1:" + closedPort), new Recorder());

    onLoop(
        () -> {
          leg.open(Duration.ofSeconds(2), () -> {}, failures::add);
          return null;
        });

    assertThat(failures.poll(5, TimeUnit.SECONDS)).isInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void aLegClosedWhileConnectingDropsTheNewConnection() throws Exception {
    try (RawUpstream upstream = new RawUpstream(new RawUpstream.Script(OK, false))) {
      ChannelHandlerContext client = clientContext();
      BlockingQueue<String> connected = new LinkedBlockingQueue<>();
      UpstreamLeg leg = new UpstreamLeg(pool, client, upstream.uri(), new Recorder());

      onLoop(
          () -> {
            leg.open(Duration.ofSeconds(2), () -> connected.add("connected"), cause -> {});
            leg.close(); // the exchange ended (client gone) before the connect completed
            return null;
          });

      assertThat(upstream.closedConnections.poll(5, TimeUnit.SECONDS)).isEqualTo("eof");
      assertThat(connected).isEmpty();
      assertThat(upstream.requests).isEmpty();
    }
  }

  @Test
  void theUpstreamClosingBeforeAnsweringIsReported() throws Exception {
    try (RawUpstream upstream = new RawUpstream(new RawUpstream.Script("", true))) {
      ChannelHandlerContext client = clientContext();
      Recorder events = new Recorder();
      UpstreamLeg leg = new UpstreamLeg(pool, client, upstream.uri(), events);
      events.leg = leg;

      sendOnLoop(leg);

      assertThat(events.done.poll(5, TimeUnit.SECONDS)).isEqualTo("closed");
      assertThat(events.events).containsExactly("closed");
    }
  }
}
