package dev.infertrace.testbed;

import dev.infertrace.testbed.peers.PeersCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the testbed jar: {@code ./infertrace <command>} for the testbed's commands. */
@Command(
    name = "infertrace",
    mixinStandardHelpOptions = true,
    versionProvider = InfertraceVersion.class,
    description = "Testbed commands of infertrace (stand-ins for a GPU cluster, peers, demo).",
    subcommands = {
      PeersCommand.class,
      dev.infertrace.testbed.sim.SimCommand.class,
      dev.infertrace.testbed.demo.DemoCommand.class,
      dev.infertrace.testbed.epp.RefEppCommand.class,
      dev.infertrace.testbed.bench.BenchCommand.class,
      dev.infertrace.testbed.scenario.ScenariosCommand.class,
      dev.infertrace.testbed.soak.SoakCommand.class
    })
public final class TestbedMain {
  private TestbedMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs one command line and returns its exit code (2 for usage errors, as picocli does). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The command line with every testbed command, for callers that redirect its output. */
  public static CommandLine commandLine() {
    // Every command's help is written for 100 columns (picocli's default is 80).
    return new CommandLine(new TestbedMain()).setUsageHelpWidth(100);
  }
}
