package dev.infertrace.proxy.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.infertrace.proxy.admin.AdminServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The side listeners (admin, OTLP/HTTP) close idle connections and refuse early. */
class ListenerLimitsTest {
  private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

  private static final class Counting implements OtlpReceiver.Listener {
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger rejected = new AtomicInteger();

    @Override
    public void accept(ExportTraceServiceRequest request, String transport) {
      accepted.incrementAndGet();
    }

    @Override
    public void countRejected() {
      rejected.incrementAndGet();
    }
  }

  /** Connects and sends nothing: true when the server closed the connection within 10 s. */
  private static boolean closesAnIdleConnection(int port) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      return s.getInputStream().read() == -1;
    }
  }

  @Test
  void theOtlpHttpReceiverAndTheAdminListenerCloseIdleConnections() throws Exception {
    Duration idle = Duration.ofMillis(300);
    try (OtlpReceiver receiver =
            OtlpReceiver.start(LOOPBACK, LOOPBACK, new Counting(), true, idle);
        AdminServer admin = AdminServer.start(LOOPBACK, () -> "# EOF\n", () -> true, idle)) {
      assertThat(closesAnIdleConnection(receiver.httpPort())).isTrue();
      assertThat(closesAnIdleConnection(admin.address().getPort())).isTrue();
    }
  }

  @Test
  void aPeerThatMayNotSendIsRefusedBeforeItsBodyIsDecompressed() throws Exception {
    InetAddress external = nonLoopbackAddress();
    assumeThat(external).as("a non-loopback IPv4 interface").isNotNull();
    // 64 MiB of zeros, gzipped to ~64 KB: decompressed first it would be a 413 (or memory).
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 64; i++) {
        z.write(zeros);
      }
    }
    Counting sink = new Counting();
    try (OtlpReceiver receiver =
        OtlpReceiver.start(
            new InetSocketAddress("0.0.0.0", 0),
            new InetSocketAddress("0.0.0.0", 0),
            sink,
            true,
            Duration.ofSeconds(30))) {
      try (Socket s = new Socket(external, receiver.httpPort())) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(
            ("POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                    + "Content-Encoding: gzip\r\nContent-Length: "
                    + gz.size()
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        try {
          out.write(gz.toByteArray());
        } catch (java.io.IOException e) {
          // refused and closed before the body was all sent: fine
        }
        InputStream in = s.getInputStream();
        String answer = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
        assertThat(answer).isEqualTo("HTTP/1.1 403");
      }
      assertThat(sink.rejected.get()).isEqualTo(1);
      assertThat(sink.accepted.get()).isZero();
    }
  }

  private static InetAddress nonLoopbackAddress() throws Exception {
    for (var nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (var a : Collections.list(nic.getInetAddresses())) {
        if (!a.isLoopbackAddress() && a instanceof Inet4Address && nic.isUp()) {
          return a;
        }
      }
    }
    return null;
  }
}
