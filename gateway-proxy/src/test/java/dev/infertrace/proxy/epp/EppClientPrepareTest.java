package dev.infertrace.proxy.epp;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link EppClient#prepare()} against real gRPC servers on loopback: what the start-up line says
 * for an EPP that serves health, one that does not (llm-d's EPP serves it on another port), one
 * that is not there, and one that accepts the connection but never speaks.
 */
class EppClientPrepareTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private EppClient client(int port, Duration timeout) {
    EppClient c =
        new EppClient(
            new InetSocketAddress("127.0.0.1", port),
            List.of(new Endpoint("w0", "127.0.0.1", 1)),
            EppClient.FailureMode.CLOSED,
            timeout);
    open.add(0, c);
    return c;
  }

  private int server(boolean health, ServingStatus status) throws Exception {
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    if (health) {
      HealthStatusManager h = new HealthStatusManager();
      h.setStatus("", status);
      b.addService(h.getHealthService());
    }
    Server s = b.build().start();
    open.add(
        () -> {
          s.shutdownNow();
          s.awaitTermination(5, TimeUnit.SECONDS);
        });
    return s.getPort();
  }

  @Test
  void anEppServingHealthIsAnswering() throws Exception {
    EppClient c = client(server(true, ServingStatus.SERVING), Duration.ofSeconds(2));
    assertThat(c.answered()).isEqualTo("not asked yet");
    assertThat(c.prepare()).isEqualTo("answering (health SERVING)");
    assertThat(c.answered()).isEqualTo("answering (health SERVING)");
  }

  @Test
  void anEppThatSaysItIsNotServingIsNamedSo() throws Exception {
    EppClient c = client(server(true, ServingStatus.NOT_SERVING), Duration.ofSeconds(2));
    assertThat(c.prepare()).isEqualTo("answering (health NOT_SERVING)");
  }

  @Test
  void anEppWithoutAHealthServiceOnItsExtProcPortIsAnswering() throws Exception {
    // llm-d's EPP: ext_proc on 9002, gRPC health on 9003; Check on 9002 is UNIMPLEMENTED.
    EppClient c = client(server(false, null), Duration.ofSeconds(2));
    assertThat(c.prepare()).isEqualTo("answering");
  }

  @Test
  void anEppThatIsNotThereIsNoErrorAtStart() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    EppClient c = client(closed, Duration.ofSeconds(2));
    assertThat(c.prepare()).startsWith("not answering yet: UNAVAILABLE");
    // The EPP comes up after the gateway: the next call connects at once instead of failing
    // while gRPC waits out its reconnect backoff (1 s after the first failure).
    HealthStatusManager h = new HealthStatusManager();
    Server s =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", closed))
            .addService(h.getHealthService())
            .build()
            .start();
    open.add(0, s::shutdownNow);
    assertThat(c.prepare()).isEqualTo("answering (health SERVING)");
  }

  @Test
  void anEppThatNeverSpeaksIsWaitedForNoLongerThanTheTimeout() throws Exception {
    // A listener that accepts and stays silent: no HTTP/2 settings ever come back.
    ServerSocket silent = new ServerSocket(0);
    List<Socket> accepted = new ArrayList<>();
    Thread acceptor =
        new Thread(
            () -> {
              try {
                while (true) {
                  accepted.add(silent.accept());
                }
              } catch (java.io.IOException closed) {
                // the test is over
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    open.add(
        () -> {
          silent.close();
          for (Socket s : accepted) {
            s.close();
          }
        });
    EppClient c = client(silent.getLocalPort(), Duration.ofMillis(300));
    long t0 = System.nanoTime();
    assertThat(c.prepare()).startsWith("not answering yet: DEADLINE_EXCEEDED");
    // Bounded by the timeout (plus the close's margin), not by gRPC's connect timeout (20 s).
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }
}
