package dev.infertrace.testbed.peers;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./infertrace peers}: which real peers are installed, where, and at which version. */
@Command(
    name = "peers",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the real peers (collector, Jaeger, llm-d-inference-sim, OpenAI SDK, nginx, ...)"
          + " that the integration tests and the benchmark run against, and where they were found.",
      "Peer home: $"
          + PeerHome.ENV_VAR
          + " (default ~/.cache/infertrace/peers); install them with "
          + PeerHome.INSTALL_COMMAND
          + "."
    })
public final class PeersCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--check",
      description = "Exit with status 1 when any peer is missing (default: report only).")
  private boolean check;

  @Override
  public Integer call() {
    PeerHome home = PeerHome.fromEnvironment();
    PrintWriter out = spec.commandLine().getOut();
    Map<String, String> versions = home.installedVersions();
    out.printf("peer home: %s%n", home.dir());
    int missing = 0;
    for (Peer peer : Peer.values()) {
      Path path = home.find(peer);
      if (path == null) {
        missing++;
      }
      out.printf(
          "  %-24s %-8s %s%s%n",
          peer.cliName(),
          path == null ? "MISSING" : "ok",
          path == null ? peer.description() : path,
          path != null && versions.containsKey(peer.cliName())
              ? "  (" + versions.get(peer.cliName()) + ")"
              : "");
    }
    if (missing > 0) {
      out.printf("%d peer(s) missing: run %s%n", missing, PeerHome.INSTALL_COMMAND);
    }
    out.flush();
    return check && missing > 0 ? 1 : 0;
  }
}
