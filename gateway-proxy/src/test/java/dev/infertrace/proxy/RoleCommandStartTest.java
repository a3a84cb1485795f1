package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A role that cannot start says which listener failed, in one line, and exits 1. */
class RoleCommandStartTest {
  @TempDir Path dir;

  @Test
  void aSecondWorkerOnTheOtlpHttpPortNamesThatPortAndPrintsNoUsage() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      StringWriter err = new StringWriter();
      CommandLine cli = ProxyMain.commandLine();
      cli.setErr(new PrintWriter(err));

      int exit =
          cli.execute(
              "worker",
              "--upstream",
              "http://127.0.0.1:9",
              "--listen",
              "127.0.0.1:0",
              "--engine-metrics",
              "off",
              "--otlp-receiver",
              "127.0.0.1:0",
              "--otlp-receiver-http",
              "127.0.0.1:" + port,
              "--trace-file",
              dir.resolve("t.jsonl").toString());

      assertThat(exit).isEqualTo(1);
      assertThat(err.toString())
          .contains("worker: cannot listen on 127.0.0.1:" + port + " for spans over OTLP/HTTP")
          .contains("--otlp-receiver-http")
          .doesNotContain("Usage:");
      assertThat(err.toString().strip().lines()).hasSize(1);
    }
  }
}
