package dev.infertrace.testbed.load;

import dev.infertrace.proxy.cli.DurationConverter;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace load}: closed-loop streaming chat load with live TTFT/ITL figures. */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Sends OpenAI chat completions (streaming by default) from --concurrency connections, each",
      "sending its next request when the previous one ends, and prints requests/s, token chunks/s,",
      "TTFT and ITL percentiles every second, then a summary.",
      "TTFT: send -> first chunk carrying a token (not the role chunk). ITL: gap between token",
      "chunks. E2E: send -> end of response. Requests use ignore_eos, so each generates exactly its",
      "max_tokens."
    })
public final class LoadCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(names = "--url", description = "Server base URL (default: ${DEFAULT-VALUE}).")
  private URI url = URI.create("http://127.0.0.1:8000");

  @Option(names = "--model", description = "Model to ask for (default: leave it out).")
  private String model;

  @Option(
      names = {"-c", "--concurrency"},
      description = "Connections (default: ${DEFAULT-VALUE}).")
  private int concurrency = 16;

  @Option(
      names = {"-d", "--duration"},
      converter = DurationConverter.class,
      description = "How long to run, e.g. 30s (default: 10s; 0s with --requests).")
  private Duration duration = Duration.ofSeconds(10);

  @Option(
      names = {"-n", "--requests"},
      description = "Stop after this many requests (default: no limit).")
  private long requests;

  @Option(names = "--prompt-words", description = "Words per prompt (default: ${DEFAULT-VALUE}).")
  private int promptWords = 200;

  @Option(
      names = "--shared-prefix-words",
      description = "Leading words every prompt shares (default: ${DEFAULT-VALUE}).")
  private int sharedPrefixWords = 100;

  @Option(names = "--min-tokens", description = "Smallest max_tokens (default: ${DEFAULT-VALUE}).")
  private int minTokens = 32;

  @Option(names = "--max-tokens", description = "Largest max_tokens (default: ${DEFAULT-VALUE}).")
  private int maxTokens = 128;

  @Option(names = "--no-stream", description = "Non-streaming requests.")
  private boolean noStream;

  @Option(
      names = "--threads",
      description = "Client event-loop threads (default: ${DEFAULT-VALUE}).")
  private int threads = 1;

  @Option(
      names = "--seed",
      description = "Seed for prompts and lengths (default: ${DEFAULT-VALUE}).")
  private long seed = 1;

  @Override
  public Integer call() throws InterruptedException {
    LoadConfig config;
    try {
      config =
          new LoadConfig(
              url,
              model,
              concurrency,
              duration,
              requests,
              promptWords,
              sharedPrefixWords,
              minTokens,
              maxTokens,
              !noStream,
              seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (threads < 1) {
      throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LoadGenerator generator = new LoadGenerator(config, threads);
    Thread hook = new Thread(generator::stop, "load-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    err.printf(
        "load: %d connections to %s for %s%n",
        concurrency,
        url,
        requests > 0 ? requests + " requests" : duration.toMillis() / 1000.0 + " s");
    ProgressLine progress = new ProgressLine(generator.stats());
    LoadStats stats =
        generator.run(
            elapsed -> {
              err.println(progress.next(elapsed));
              err.flush();
            });
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // Ctrl-C: the hook already ran
    }
    stats.interval();
    LoadStats.Interval t = stats.totals();
    out.printf(Locale.ROOT, "requests: %d ok, %d failed%n", stats.ok(), stats.failed());
    if (stats.lastError() != null) {
      out.printf("last error: %s%n", stats.lastError());
    }
    out.printf(Locale.ROOT, "token chunks: %d%n", stats.chunks());
    line(out, "TTFT", t.ttft());
    line(out, "ITL", t.itl());
    line(out, "E2E", t.e2e());
    out.flush();
    return stats.failed() > 0 && stats.ok() == 0 ? 1 : 0;
  }

  private static void line(PrintWriter out, String name, Histogram h) {
    out.printf(
        Locale.ROOT,
        "%-4s p50 %s  p90 %s  p99 %s  max %s  (n=%d)%n",
        name,
        ProgressLine.ms(h, 50),
        ProgressLine.ms(h, 90),
        ProgressLine.ms(h, 99),
        h.getTotalCount() == 0
            ? "-"
            : String.format(Locale.ROOT, "%.1fms", h.getMaxValue() / 1000.0),
        h.getTotalCount());
  }
}
