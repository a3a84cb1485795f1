package dev.infertrace.testbed.soak;

import dev.infertrace.proxy.cli.DurationConverter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace soak}: a long run at a fraction of saturation with faults on a schedule. */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Runs the traced stack in this process — the ingress as the gateway, the epp interposer"
          + " in front of the reference EPP, and --workers worker sidecars in front of vLLM + DCGM"
          + " twins, every proxy exporting its spans over OTLP/gRPC to a collector (an in-process"
          + " OTLP receiver) — measures its saturation (closed loop, rising concurrency), then"
          + " drives an open-loop (Poisson) rate of --load-fraction x saturation through the ingress"
          + " for --minutes while, one --fault-period apart and for --fault-length each, it kills"
          + " and restarts on the same ports: the collector, every DCGM exporter, the EPP, and"
          + " worker w1's twin. 10 %% of the clients hang up after 3 tokens, 10 %% read slowly (4"
          + " KiB receive buffer, ~10 KB/s).",
      "",
      "Every request is classified by what its client saw: completed, cancelled by its"
          + " client, or failed; a failure is explained when a fault on what it touched (the worker"
          + " it was routed to, or the EPP) was active while it ran or ended less than 5 s before."
          + " The collector and DCGM are on no request's path: they explain nothing. Span accounting"
          + " from each proxy's /metrics after a final flush: created = exported + dropped{reason}."
          + " RSS and open file descriptors every 5 s, heap after a full GC every 60 s; slopes over"
          + " the second half.",
      "",
      "Writes DIR/soak.json and a table (the libraries' log, e.g. export errors, goes to"
          + " DIR/soak.log); exits 1 when a failure is unexplained, the spans do not balance or a"
          + " slope is over its threshold (heap 16 MiB/h, RSS 64 MiB/h, 60 fds/h; judged on runs of"
          + " 20 minutes or more), 2 on bad options."
    })
public final class SoakCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--minutes",
      paramLabel = "M",
      description = "How long the load runs, after the probe; decimals allowed (default: 30).")
  private double minutes = 30;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Workers (twin + sidecar), at least 2 (default: ${DEFAULT-VALUE}).")
  private int workers = 3;

  @Option(
      names = "--load-fraction",
      paramLabel = "F",
      description = "The open-loop rate as a fraction of the saturation (default: 0.8).")
  private double loadFraction = 0.8;

  @Option(
      names = "--fault-period",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "A fault starts this often, the first one period in (default: 60s).")
  private Duration faultPeriod = Duration.ofSeconds(60);

  @Option(
      names = "--fault-length",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long each killed component stays down (default: 10s).")
  private Duration faultLength = Duration.ofSeconds(10);

  @Option(
      names = "--saturation-step",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Length of each concurrency step of the saturation probe (default: 10s).")
  private Duration saturationStep = Duration.ofSeconds(10);

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Where soak.json goes (default: ${DEFAULT-VALUE}).")
  private Path out = Path.of("infertrace-soak");

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Seed of the request mix, prompts and trace ids (default: ${DEFAULT-VALUE}).")
  private long seed = 1;

  /** Failures this long after a fault ended still count as its doing. */
  static final Duration GRACE = Duration.ofSeconds(5);

  @Override
  public Integer call() throws Exception {
    if (!(minutes > 0) || Double.isInfinite(minutes)) {
      throw new ParameterException(spec.commandLine(), "--minutes must be > 0, got " + minutes);
    }
    SoakConfig config;
    try {
      config =
          new SoakConfig(
              Duration.ofMillis(Math.round(minutes * 60_000)),
              workers,
              loadFraction,
              faultPeriod,
              faultLength,
              GRACE,
              saturationStep,
              out,
              seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean tty = System.console() != null;
    long[] lastPrinted = {0};
    java.nio.file.Files.createDirectories(out);
    SoakResult result;
    try (LogToFile log = new LogToFile(out.resolve(LOG))) {
      result = run(config, err, tty, lastPrinted);
    }
    if (tty) {
      err.println();
    }
    Path file = SoakReport.write(result, out);
    SoakReport.print(result, file, stdout);
    return result.problems().isEmpty() ? 0 : 1;
  }

  /** Where what the libraries log goes (the exporters' errors while the collector is down). */
  static final String LOG = "soak.log";

  private static SoakResult run(SoakConfig config, PrintWriter err, boolean tty, long[] lastPrinted)
      throws Exception {
    return Soak.run(
        config,
        line -> {
          if (!line.startsWith("[")) {
            if (tty) {
              err.print("\r\033[K");
            }
            err.println(line);
          } else if (tty) {
            err.print("\r\033[K" + line);
          } else if (System.nanoTime() - lastPrinted[0] > 30_000_000_000L) {
            err.println(line); // not a terminal: one line every 30 s
            lastPrinted[0] = System.nanoTime();
          }
          err.flush();
        });
  }

  /**
   * For the soak's length, java.util.logging (the OpenTelemetry SDK's, gRPC's) writes to a file
   * instead of the console, where the faults would bury the progress line in export errors.
   */
  private static final class LogToFile implements AutoCloseable {
    private final java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    private final java.util.logging.Handler[] before = root.getHandlers();
    private final java.util.logging.FileHandler file;

    LogToFile(Path path) throws java.io.IOException {
      file = new java.util.logging.FileHandler(path.toString());
      file.setFormatter(new java.util.logging.SimpleFormatter());
      for (java.util.logging.Handler h : before) {
        root.removeHandler(h);
      }
      root.addHandler(file);
    }

    @Override
    public void close() {
      root.removeHandler(file);
      file.close();
      for (java.util.logging.Handler h : before) {
        root.addHandler(h);
      }
    }
  }
}
