package dev.infertrace.proxy;

import dev.infertrace.proxy.cli.ConfigFile;
import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the proxy jar and of the {@code infertrace} image: {@code ingress|worker|epp},
 * {@code inject-webhook}, and {@code explain} (the explain module's command).
 */
@Command(
    name = "infertrace",
    mixinStandardHelpOptions = true,
    description =
        "infertrace: the tracing reverse proxy (ingress, worker, epp), its sidecar-injection"
            + " webhook, explain and the load benchmark.",
    subcommands = {
      IngressCommand.class,
      WorkerCommand.class,
      EppCommand.class,
      InjectWebhookCommand.class,
      dev.infertrace.explain.ExplainMain.class,
      dev.infertrace.load.LoadCommand.class
    })
public final class ProxyMain {
  private ProxyMain() {}

  /** The system property that sets Netty's leak detection level (simple, advanced, paranoid). */
  static final String LEAK_DETECTION = "io.netty.leakDetection.level";

  public static void main(String[] args) {
    if (leakDetectionOff(System.getProperty(LEAK_DETECTION))) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    } // else Netty applies the level named itself
    System.exit(run(args));
  }

  /**
   * Netty's buffer leak detection in the product: off unless {@code -Dio.netty.leakDetection.level}
   * says otherwise. Netty's default samples one buffer in 128 and records a stack trace for it on
   * the request path, about 2 µs of the proxy's CPU per request at saturation (BENCHMARKS.md); the
   * tests, which run the proxy in their own JVMs, keep Netty's default and find leaks there.
   */
  static boolean leakDetectionOff(String configured) {
    return configured == null || configured.isBlank();
  }

  /**
   * Runs one command line. A {@code --config FILE} (or {@code INFERTRACE_CONFIG}) is read first so
   * that its values become the defaults of the command's options.
   */
  public static int run(String... args) {
    CommandLine cli;
    try {
      cli = configured(args);
    } catch (java.io.IOException | RuntimeException e) {
      commandLine().getErr().println("infertrace: " + e.getMessage());
      return 2;
    }
    return cli.execute(args);
  }

  /** The command line, with the values of {@code --config FILE} as its commands' defaults. */
  static CommandLine configured(String... args) throws java.io.IOException {
    CommandLine cli = commandLine();
    String config = System.getenv("INFERTRACE_CONFIG");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        config = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        config = args[i].substring("--config=".length());
      }
    }
    if (config != null && !config.isBlank() && args.length > 0) {
      CommandLine sub = cli.getSubcommands().get(args[0]);
      if (sub != null) {
        java.util.Set<String> known = new java.util.HashSet<>();
        sub.getCommandSpec()
            .options()
            .forEach(o -> known.add(o.longestName().replaceFirst("^--", "")));
        known.remove("config");
        known.remove("help");
        known.remove("version");
        try {
          sub.setDefaultValueProvider(ConfigFile.read(java.nio.file.Path.of(config), known));
        } catch (java.nio.file.NoSuchFileException e) {
          throw new java.io.IOException("--config " + config + ": no such file");
        } catch (java.io.IOException e) {
          throw new java.io.IOException("--config " + config + ": " + e.getMessage());
        }
      }
    }
    return cli;
  }

  /** The command line with every proxy command. */
  public static CommandLine commandLine() {
    // Every command's help is written for 100 columns (picocli's default is 80).
    return new CommandLine(new ProxyMain()).setUsageHelpWidth(100);
  }
}
