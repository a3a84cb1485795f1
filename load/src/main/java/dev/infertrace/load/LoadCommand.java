package dev.infertrace.load;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace load}: an OpenAI-endpoint benchmark with sweeps, SLO goodput and reports. */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Benchmarks an OpenAI-compatible endpoint (vLLM, llm-d, infertrace's ingress...):"
          + " closed loop (--concurrency) or open loop (--rate, --poisson), one step per value"
          + " given, each with warm-up, a measured window and cool-down. Per step: TTFT, TPOT, ITL,"
          + " E2E percentiles, requests/s, tokens/s, concurrency held, errors by kind, goodput"
          + " against --slo. Every request sends a W3C traceparent; its trace id is in the outputs"
          + " (--output: load.json, requests.csv, steps.csv, report.html). Definitions:"
          + " src/docs/load.md."
    })
public final class LoadCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(names = "--url", description = "Server base URL (default: ${DEFAULT-VALUE}).")
  private URI url = URI.create("http://127.0.0.1:8000");

  @Option(
      names = "--api",
      description = "chat or completions (default: ${DEFAULT-VALUE}).",
      converter = ApiConverter.class)
  private BenchConfig.Api api = BenchConfig.Api.CHAT;

  @Option(names = "--model", description = "Model to ask for (default: leave it out).")
  private String model;

  @Option(
      names = "--api-key-env",
      paramLabel = "VAR",
      description =
          "Environment variable holding the API key, sent as 'Authorization: Bearer' and never"
              + " written anywhere (default: ${DEFAULT-VALUE}, when set).")
  private String apiKeyEnv = "OPENAI_API_KEY";

  @Option(names = "--no-stream", description = "Non-streaming requests.")
  private boolean noStream;

  @Option(
      names = {"-c", "--concurrency"},
      split = ",",
      paramLabel = "N[,N...]",
      description = "Closed loop: users per step (default: 16).")
  private List<Integer> concurrency = new ArrayList<>();

  @Option(
      names = "--rate",
      split = ",",
      paramLabel = "R[,R...]",
      description = "Open loop: requests/s per step, started at fixed intervals.")
  private List<Double> rate = new ArrayList<>();

  @Option(names = "--poisson", description = "Open loop with Poisson arrivals at --rate.")
  private boolean poisson;

  @Option(
      names = "--until-saturation",
      description = "End the sweep at the first step that adds less than 10%% requests/s.")
  private boolean untilSaturation;

  @Option(
      names = {"-d", "--duration"},
      converter = DurationOption.class,
      description = "Measured window of each step (default: 10s).")
  private Duration duration = Duration.ofSeconds(10);

  @Option(
      names = {"-n", "--requests"},
      description = "Measured requests per step instead of --duration (default: none).")
  private long requests;

  @Option(
      names = "--warmup",
      converter = DurationOption.class,
      description = "Load before each window, not counted (default: 0s).")
  private Duration warmup = Duration.ZERO;

  @Option(
      names = "--cooldown",
      converter = DurationOption.class,
      description = "Load after each window, not counted (default: 0s).")
  private Duration cooldown = Duration.ZERO;

  @Option(
      names = "--input-tokens",
      paramLabel = "DIST",
      description =
          "Prompt words: N, uniform:MIN,MAX or normal:MEAN,SD (default: ${DEFAULT-VALUE}).")
  private String inputTokens = "200";

  @Option(
      names = "--shared-prefix",
      description = "Leading prompt words every request shares (default: ${DEFAULT-VALUE}).")
  private int sharedPrefix;

  @Option(
      names = "--output-tokens",
      paramLabel = "DIST",
      description = "max_tokens: N, uniform:MIN,MAX or normal:MEAN,SD (default: ${DEFAULT-VALUE}).")
  private String outputTokens = "uniform:32,128";

  @Option(
      names = "--dataset",
      paramLabel = "FILE",
      description =
          "JSONL prompts (ShareGPT conversations or {\"prompt\":..,\"output_tokens\":..}).")
  private Path dataset;

  @Option(names = "--no-ignore-eos", description = "Do not send ignore_eos (vLLM extension).")
  private boolean noIgnoreEos;

  @Option(names = "--slo", paramLabel = "ttft=D,tpot=D", description = "Goodput objective.")
  private String slo;

  @Option(
      names = "--max-in-flight",
      description = "Open loop: requests in flight at most (default: ${DEFAULT-VALUE}).")
  private int maxInFlight = 1000;

  @Option(
      names = "--timeout",
      converter = DurationOption.class,
      description = "Per-request timeout (default: 300s).")
  private Duration timeout = Duration.ofSeconds(300);

  @Option(names = "--seed", description = "Prompts, lengths, arrivals (default: ${DEFAULT-VALUE}).")
  private long seed = 1;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      description = "Write load.json, requests.csv, steps.csv and report.html there.")
  private Path output;

  @Option(
      names = "--jaeger-url",
      paramLabel = "URL",
      description = "Jaeger UI base URL: the report links each slow request to URL/trace/ID.")
  private String jaegerUrl;

  @Option(
      names = "--traces",
      paramLabel = "FILE",
      description =
          "OTLP JSON-lines trace file of the run (e.g. the ingress's --trace-file): explain's"
              + " verdict for each request goes into load.json and the report.")
  private Path traces;

  @Option(
      names = "--otlp-metrics",
      paramLabel = "URL",
      description =
          "Push the live figures as OTLP/HTTP metrics to URL (e.g. http://127.0.0.1:4318) while"
              + " the run lasts.")
  private String otlpMetrics;

  @Option(
      names = "--otlp-metrics-interval",
      converter = DurationOption.class,
      description = "How often to push them (default: 10s).")
  private Duration otlpMetricsInterval = Duration.ofSeconds(10);

  @Override
  public Integer call() throws InterruptedException, IOException {
    BenchConfig config = config();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Benchmark benchmark = new Benchmark(config);
    LiveMetrics metrics =
        otlpMetrics == null
            ? null
            : new LiveMetrics(otlpMetrics, otlpMetricsInterval, benchmark.progress());
    if (metrics != null) {
      benchmark.progress().onRequest(metrics::record);
    }
    CountDownLatch written = new CountDownLatch(1);
    // Ctrl-C ends the step, lets the requests in flight finish and the outputs be written: the
    // JVM exits once this hook returns
    Thread hook =
        new Thread(
            () -> {
              benchmark.stop();
              try {
                written.await(config.requestTimeout().toSeconds() + 30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "load-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    err.printf(
        Locale.ROOT,
        "load: %s, %s %s, steps %s, %s each%n",
        JsonReport.withoutCredentials(config.endpoint()),
        config.stream() ? "streaming" : "not streaming",
        config.shape().name().toLowerCase(Locale.ROOT),
        config.steps(),
        config.requests() > 0 ? config.requests() + " requests" : fmt(duration));
    err.flush();
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "load-progress");
              t.setDaemon(true);
              return t;
            });
    long start = System.nanoTime();
    BenchProgress p = benchmark.progress();
    ticker.scheduleAtFixedRate(
        () -> {
          err.printf(
              Locale.ROOT,
              "[%6.1fs] step %d (%s)  %d ok  %d failed  %d in flight%n",
              (System.nanoTime() - start) / 1e9,
              p.step(),
              trim(p.target()),
              p.ok(),
              p.failed(),
              p.inFlight());
          err.flush();
        },
        1,
        1,
        TimeUnit.SECONDS);
    try {
      Benchmark.Result result = benchmark.run();
      ticker.shutdownNow();
      SummaryTable.print(result, out);
      out.flush();
      if (output != null) {
        write(result, output);
        err.printf("load: wrote %s/{load.json,requests.csv,steps.csv,report.html}%n", output);
        err.flush();
      }
      return exitStatus(result, err);
    } finally {
      ticker.shutdownNow();
      if (metrics != null) {
        metrics.close();
      }
      written.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running
      }
    }
  }

  /** 1 when nothing succeeded, with the reason for people (unreachable, not OpenAI...). */
  static int exitStatus(Benchmark.Result result, PrintWriter err) {
    long ok = result.requests().stream().filter(RequestRecord::ok).count();
    if (ok > 0 || result.requests().isEmpty()) {
      return 0;
    }
    RequestRecord first = result.requests().get(0);
    String why =
        switch (first.error()) {
          case "connect" ->
              "cannot connect to "
                  + JsonReport.withoutCredentials(result.config().endpoint())
                  + " ("
                  + first.errorDetail()
                  + ")";
          case "not_openai" -> first.errorDetail() + " (" + result.config().endpoint() + ")";
          default -> "every request failed; first: " + first.error() + " " + first.errorDetail();
        };
    err.println("load: " + why);
    err.flush();
    return 1;
  }

  private void write(Benchmark.Result result, Path dir) throws IOException {
    Files.createDirectories(dir);
    ObjectNode tree = JsonReport.tree(result, jaegerUrl);
    if (traces != null) {
      // the report's slowest requests (its table) get explain's trace page
      List<String> slowest =
          JsonReport.slowest(result.requests()).stream().map(RequestRecord::traceId).toList();
      ObjectNode pages = tree.putObject("trace_pages");
      ObjectNode verdicts =
          Verdicts.read(
              traces,
              result.requests().stream().map(RequestRecord::traceId).toList(),
              slowest,
              dir.resolve(Verdicts.PAGES),
              pages);
      tree.set("verdicts", verdicts);
      tree.put("traces_file", traces.toString());
      spec.commandLine()
          .getErr()
          .printf(
              "load: explain judged %d of %d requests from %s; %d trace pages in %s%n",
              verdicts.size(),
              result.requests().size(),
              traces,
              pages.size(),
              dir.resolve(Verdicts.PAGES));
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("load.json"))) {
      JsonReport.write(tree, o);
    }
    try (Writer w = Files.newBufferedWriter(dir.resolve("requests.csv"), StandardCharsets.UTF_8)) {
      CsvReport.requests(result, w);
    }
    try (Writer w = Files.newBufferedWriter(dir.resolve("steps.csv"), StandardCharsets.UTF_8)) {
      CsvReport.steps(result, w);
    }
    Files.writeString(dir.resolve("report.html"), HtmlReport.render(tree), StandardCharsets.UTF_8);
  }

  private BenchConfig config() {
    try {
      if (!concurrency.isEmpty() && !rate.isEmpty()) {
        throw new IllegalArgumentException("give --concurrency or --rate, not both");
      }
      if (poisson && rate.isEmpty()) {
        throw new IllegalArgumentException("--poisson needs --rate");
      }
      if (url.getScheme() == null
          || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
          || url.getHost() == null) {
        throw new IllegalArgumentException(
            "--url must be http://HOST[:PORT] or https://..., got " + url);
      }
      BenchConfig.Shape shape =
          rate.isEmpty()
              ? BenchConfig.Shape.CONCURRENCY
              : poisson ? BenchConfig.Shape.POISSON : BenchConfig.Shape.RATE;
      List<Double> steps = new ArrayList<>();
      if (rate.isEmpty()) {
        (concurrency.isEmpty() ? List.of(16) : concurrency).forEach(c -> steps.add((double) c));
      } else {
        steps.addAll(rate);
      }
      String key = System.getenv(apiKeyEnv);
      return new BenchConfig(
          url,
          api,
          model,
          key == null || key.isBlank() ? null : key,
          !noStream,
          shape,
          steps,
          untilSaturation,
          requests > 0 ? Duration.ZERO : duration,
          requests,
          warmup,
          cooldown,
          Lengths.parse("--input-tokens", inputTokens),
          sharedPrefix,
          Lengths.parse("--output-tokens", outputTokens),
          dataset == null ? null : Dataset.read(dataset),
          !noIgnoreEos,
          slo == null ? null : Slo.parse(slo),
          seed,
          maxInFlight,
          timeout);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), "--dataset " + dataset + ": " + e);
    }
  }

  private static String fmt(Duration d) {
    return d.toMillis() / 1000.0 + " s";
  }

  static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  /** Reads {@code chat} or {@code completions}. */
  static final class ApiConverter implements picocli.CommandLine.ITypeConverter<BenchConfig.Api> {
    @Override
    public BenchConfig.Api convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "chat" -> BenchConfig.Api.CHAT;
        case "completions" -> BenchConfig.Api.COMPLETIONS;
        default ->
            throw new picocli.CommandLine.TypeConversionException(
                "expected chat or completions, got '" + value + "'");
      };
    }
  }
}
