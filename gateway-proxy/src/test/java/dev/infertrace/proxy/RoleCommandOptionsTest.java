package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.cli.DurationConverter;
import dev.infertrace.proxy.cli.ProxyOptions;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.ProxyDefaults;
import dev.infertrace.proxy.config.Role;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The role commands as picocli reads them: the shared mixins, their defaults, their errors. */
class RoleCommandOptionsTest {

  private static Object parse(String... args) {
    CommandLine.ParseResult parsed = ProxyMain.commandLine().parseArgs(args);
    return parsed.subcommand().commandSpec().userObject();
  }

  /** Exit code and stderr of a command line that must fail before anything starts. */
  private static String refused(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = ProxyMain.commandLine();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).as(String.join(" ", args)).isEqualTo(2);
    return err.toString();
  }

  @Test
  void theImagesEntryPointHasEveryCommand() {
    // The infertrace image runs ProxyMain: explain and the webhook are commands of it too.
    assertThat(ProxyMain.commandLine().getSubcommands())
        .containsKeys("ingress", "worker", "epp", "inject-webhook", "explain");
  }

  @Test
  void everyRoleHasTheSharedTelemetryAndAdminOptions() {
    for (String role : List.of("ingress", "worker", "epp")) {
      CommandLine sub = ProxyMain.commandLine().getSubcommands().get(role);
      assertThat(sub.getCommandSpec().findOption("--trace-file")).as(role).isNotNull();
      assertThat(sub.getCommandSpec().findOption("--admin")).as(role).isNotNull();
      assertThat(String.join(" ", sub.getCommandSpec().findOption("--admin").description()))
          .as(role)
          .contains("env INFERTRACE_ADMIN");
    }
    for (String role : List.of("ingress", "worker")) {
      CommandLine sub = ProxyMain.commandLine().getSubcommands().get(role);
      for (String flag :
          List.of(
              "--listen",
              "--upstream",
              "--sniff-limit",
              "--connect-timeout",
              "--response-timeout",
              "--request-timeout",
              "--idle-timeout",
              "--max-header-bytes",
              "--io-threads",
              "--config",
              "--slo")) {
        assertThat(sub.getCommandSpec().findOption(flag)).as(role + " " + flag).isNotNull();
      }
    }
  }

  @Test
  void eppTakesAdminAndTraceFileFlags() {
    EppCommand epp =
        (EppCommand)
            parse(
                "epp",
                "--upstream",
                "127.0.0.1:9002",
                "--admin",
                "127.0.0.1:9465",
                "--trace-file",
                "epp.jsonl");
    assertThat(epp.admin.address().getPort()).isEqualTo(9465);
    assertThat(epp.telemetry.traceFile("epp")).hasToString("epp.jsonl");
    assertThat(epp.listen.getPort()).as("built-in default").isEqualTo(9012);
  }

  @Test
  void theBuiltInDefaultsAreProxyDefaultsAndMatchTheLoopbackConfig() {
    ProxyOptions worker = ((WorkerCommand) parse("worker", "--upstream", "http://v:8000")).proxy;
    ProxyConfig loopback = ProxyConfig.loopback(Role.WORKER, List.of(URI.create("http://v:8000")));

    assertThat(worker.connectTimeout())
        .isEqualTo(DurationConverter.parse(ProxyDefaults.CONNECT_TIMEOUT))
        .isEqualTo(loopback.connectTimeout());
    assertThat(worker.responseTimeout()).isEqualTo(loopback.responseTimeout());
    assertThat(worker.requestTimeout()).isEqualTo(loopback.requestTimeout());
    assertThat(worker.idleTimeout()).isEqualTo(loopback.idleTimeout());
    assertThat(worker.maxHeaderBytes()).isEqualTo(loopback.maxHeaderBytes()).isEqualTo(16384);
    assertThat(worker.sniffLimit()).isEqualTo(loopback.sniffLimitBytes()).isEqualTo(1 << 20);
    assertThat(worker.ioThreads()).isEqualTo(loopback.ioThreads()).isEqualTo(1);
    if (System.getenv("INFERTRACE_LISTEN") == null) {
      assertThat(worker.listen(ProxyDefaults.WORKER_LISTEN).getPort()).isEqualTo(8081);
    }
  }

  @Test
  void theHelpNamesTheDefaults() {
    StringWriter out = new StringWriter();
    CommandLine cli = ProxyMain.commandLine();
    cli.setOut(new PrintWriter(out));
    assertThat(cli.execute("ingress", "--help")).isZero();
    // Read as words: where picocli wraps a description depends on the usage width.
    assertThat(out.toString().replaceAll("\\s+", " "))
        .contains("--admin=HOST:PORT")
        .contains("--trace-file=PATH")
        .contains("502 after (default: 5s)")
        .contains("(default: closed, as Envoy's")
        .contains("INFERTRACE_TRANSPORT auto (default): io_uring where the kernel and");
    out.getBuffer().setLength(0);
    assertThat(cli.execute("worker", "--help")).isZero();
    assertThat(out.toString())
        .contains("Environment:")
        .contains("io_uring, epoll or nio insist on one");
  }

  @Test
  void usageErrorsNameTheFlag() {
    assertThat(refused("epp")).contains("--upstream HOST:PORT is required");
    assertThat(refused("worker", "--listen", "127.0.0.1:0"))
        .contains("--upstream is required (or INFERTRACE_UPSTREAM, or upstream: in --config)");
    assertThat(refused("worker", "--upstream", "http://127.0.0.1:9", "--io-threads", "0"))
        .contains("--io-threads must be >= 1, got 0");
    assertThat(refused("ingress", "--upstream", "ftp://gw:21")).contains("--upstream must be");
    assertThat(refused("ingress", "--upstream", "http://gw:80", "--slo", "m=fast"))
        .contains("--slo m=fast");
    assertThat(refused("epp", "--upstream", "127.0.0.1:9002", "--admin", "nowhere"))
        .contains("'nowhere' is not HOST:PORT");
  }
}
