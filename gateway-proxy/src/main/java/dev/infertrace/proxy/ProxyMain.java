package dev.infertrace.proxy;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the proxy jar: {@code ./infertrace ingress|worker}. */
@Command(
    name = "infertrace",
    mixinStandardHelpOptions = true,
    description = "The tracing reverse proxy of infertrace.",
    subcommands = {RoleCommand.Ingress.class, RoleCommand.Worker.class})
public final class ProxyMain {
  private ProxyMain() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with every proxy command. */
  public static CommandLine commandLine() {
    return new CommandLine(new ProxyMain());
  }
}
