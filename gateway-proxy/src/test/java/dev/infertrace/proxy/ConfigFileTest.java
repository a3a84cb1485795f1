package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.infertrace.core.slo.SloTarget;
import dev.infertrace.proxy.cli.ProxyOptions;
import dev.infertrace.proxy.config.ProxyDefaults;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --config FILE}: values become defaults; flags win; unknown keys are named. */
class ConfigFileTest {
  @TempDir Path tmp;

  @Test
  void fileValuesAreDefaultsAndFlagsWin() throws Exception {
    Path file =
        Files.writeString(
            tmp.resolve("ingress.yaml"),
            "listen: 127.0.0.1:7000\n"
                + "upstream: [http://gw-a:80, http://gw-b:80]\n"
                + "response-timeout: 120s\n"
                + "slo:\n  llama: ttft:500ms,tpot:50ms\n  \"*\": ttft:2s\n");

    CommandLine cli =
        ProxyMain.configured("ingress", "--config", file.toString(), "--listen", "127.0.0.1:7001");
    CommandLine.ParseResult parsed =
        cli.parseArgs("ingress", "--config", file.toString(), "--listen", "127.0.0.1:7001");
    ProxyOptions cmd = ((IngressCommand) parsed.subcommand().commandSpec().userObject()).proxy;

    assertThat(cmd.listen(ProxyDefaults.INGRESS_LISTEN).getPort()).as("flag wins").isEqualTo(7001);
    assertThat(cmd.upstreams())
        .containsExactly(URI.create("http://gw-a:80"), URI.create("http://gw-b:80"));
    assertThat(cmd.responseTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(cmd.connectTimeout()).as("built-in default").isEqualTo(Duration.ofSeconds(5));
    assertThat(cmd.slos())
        .containsEntry("llama", new SloTarget(0.5, 0.05))
        .containsEntry("*", new SloTarget(2.0, null));
  }

  @Test
  void unknownKeysAndMissingFilesAreClearErrors() throws Exception {
    Path file = Files.writeString(tmp.resolve("bad.yaml"), "upstream: [http://x:1]\nlisen: :80\n");

    assertThatThrownBy(() -> ProxyMain.configured("worker", "--config", file.toString()))
        .hasMessageContaining("unknown option(s) [lisen]");
    assertThatThrownBy(
            () -> ProxyMain.configured("worker", "--config", tmp.resolve("nope.yaml").toString()))
        .hasMessageContaining("no such file");
    assertThat(ProxyMain.run("worker", "--config", tmp.resolve("nope.yaml").toString()))
        .isEqualTo(2);
  }

  @Test
  void aMissingUpstreamIsAUsageError() {
    assertThat(ProxyMain.run("worker", "--listen", "127.0.0.1:0")).isEqualTo(2);
  }
}
