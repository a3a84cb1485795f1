package dev.infertrace.testbed.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerHomeTest {
  @TempDir Path tmp;

  @Test
  void findsPeerHomeExecutablesOnlyWhenExecutable() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("home/bin"));
    Path jaeger = Files.writeString(bin.resolve("jaeger"), "#!/bin/sh\n");
    PeerHome home = PeerHome.of(tmp.resolve("home"), List.of());

    assertThat(home.find(Peer.JAEGER)).as("present but not executable").isNull();

    Files.setPosixFilePermissions(jaeger, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(home.find(Peer.JAEGER)).isEqualTo(jaeger);
    assertThat(home.find(Peer.COLLECTOR)).as("absent").isNull();
  }

  @Test
  void findsPeerHomeDataFilesWithoutTheExecutableBit() throws IOException {
    PeerHome home = PeerHome.of(tmp.resolve("home"), List.of());
    assertThat(home.find(Peer.OTEL_OPERATOR_CRDS)).as("absent").isNull();
    assertThat(home.missingMessage(Peer.OTEL_OPERATOR_CRDS))
        .contains(tmp.resolve("home").resolve(Peer.OTEL_OPERATOR_CRDS.executable()).toString());

    Path crd = tmp.resolve("home").resolve(Peer.OTEL_OPERATOR_CRDS.executable());
    Files.createDirectories(crd.getParent());
    Files.writeString(crd, "kind: CustomResourceDefinition\n");
    assertThat(home.find(Peer.OTEL_OPERATOR_CRDS)).isEqualTo(crd);
  }

  @Test
  void findsSystemPeersOnTheSearchPathInOrder() throws IOException {
    Path first = Files.createDirectories(tmp.resolve("first"));
    Path second = Files.createDirectories(tmp.resolve("second"));
    Files.createDirectories(first.resolve("nginx")); // a directory named like the peer is skipped
    Path nginx = Files.writeString(second.resolve("nginx"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(nginx, PosixFilePermissions.fromString("rwxr-xr-x"));

    PeerHome home = PeerHome.of(tmp, List.of(first, second));

    assertThat(home.find(Peer.NGINX)).isEqualTo(nginx);
    assertThat(home.find(Peer.HAPROXY)).isNull();
  }

  @Test
  void missingMessageNamesThePathAndTheInstallCommand() {
    PeerHome home = PeerHome.of(Path.of("/opt/peers"), List.of());

    assertThat(home.missingMessage(Peer.INFERENCE_SIM))
        .isEqualTo(
            "peer inference-sim (llm-d-inference-sim, the llm-d vLLM simulator) is not installed:"
                + " looked for /opt/peers/bin/llm-d-inference-sim. Install the peers with"
                + " scripts/install-peers.sh (peer home: $INFERTRACE_PEERS, default"
                + " ~/.cache/infertrace/peers).");
  }

  @Test
  void environmentVariableOverridesTheDefaultHome() {
    PeerHome configured = PeerHome.fromEnvironment(Map.of("INFERTRACE_PEERS", "/srv/peers"));
    PeerHome blank = PeerHome.fromEnvironment(Map.of("INFERTRACE_PEERS", " "));

    assertThat(configured.dir()).isEqualTo(Path.of("/srv/peers"));
    assertThat(blank.dir())
        .isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "infertrace", "peers"));
  }

  @Test
  void readsTheVersionsRecordedByTheInstallScript() throws IOException {
    Files.writeString(
        tmp.resolve("versions.txt"),
        "jaeger\tv1.76.0 (Jaeger v2.13.0)\nmalformed line without tab\nnginx\t1.22.1\n");
    PeerHome home = PeerHome.of(tmp, List.of());

    assertThat(home.installedVersions())
        .containsExactly(
            Map.entry("jaeger", "v1.76.0 (Jaeger v2.13.0)"), Map.entry("nginx", "1.22.1"));
    assertThat(PeerHome.of(tmp.resolve("absent"), List.of()).installedVersions()).isEmpty();
  }
}
