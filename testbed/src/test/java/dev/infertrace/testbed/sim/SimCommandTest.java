package dev.infertrace.testbed.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.testbed.TestbedMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ./infertrace sim}: help, and bad flags answered with a message naming the flag. */
class SimCommandTest {
  private final StringWriter err = new StringWriter();
  private final StringWriter out = new StringWriter();

  private int run(String... args) {
    CommandLine cli = TestbedMain.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(out));
    return cli.execute(args);
  }

  @Test
  void helpExplainsFaultsAndTracing() {
    assertThat(run("sim", "--help")).isZero();

    assertThat(out.toString())
        .contains(
            "--dcgm-port",
            "--max-num-seqs",
            "--fault",
            "thermal-throttle",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  }

  @Test
  void rejectsBadFlagsNamingThem() {
    assertThat(run("sim", "--gpus", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--gpus must be >= 1, got 0");

    assertThat(run("sim", "--fault", "meltdown")).isEqualTo(2);
    assertThat(err.toString()).contains("--fault meltdown: unknown fault type 'meltdown'");

    assertThat(run("sim", "--dcgm-interval", "soon")).isEqualTo(2);
    assertThat(err.toString()).contains("'soon' is not a duration");

    assertThat(run("sim", "--max-num-seqs", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--max-num-seqs must be >= 1, got 0");

    assertThat(run("sim", "--no-such-flag")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option: '--no-such-flag'");
  }

  @Test
  void saysWhichPortIsTakenWhenItCannotListen() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      assertThat(run("sim", "--port", String.valueOf(port), "--dcgm-port", "0")).isEqualTo(2);

      assertThat(err.toString()).contains("cannot listen on 127.0.0.1:" + port + " (API)");
    }
  }
}
