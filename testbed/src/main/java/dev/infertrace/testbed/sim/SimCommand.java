package dev.infertrace.testbed.sim;

import dev.infertrace.proxy.cli.DurationConverter;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import dev.infertrace.testbed.sim.http.SimHttpOptions;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace sim}: a vLLM V1 server and its GPUs' dcgm-exporter, without a GPU. */
@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Runs a GPU-free twin of a vLLM V1 OpenAI-compatible server and of the NVIDIA"
          + " dcgm-exporter of its GPUs. Its engine batches, queues, caches prefixes and preempts"
          + " like vLLM; its GPU metrics follow its load; faults make both slower and hotter"
          + " together.",
      "",
      "API: /v1/chat/completions, /v1/completions, /v1/models, /health, /metrics,",
      "     /admin/faults (GET lists, POST {\"type\":...} adds, DELETE clears).",
      "DCGM: /metrics on --dcgm-port.",
      ""
    },
    footer = {
      "",
      "Fault SPEC: TYPE[:name=value,...], e.g."
          + " thermal-throttle:startSeconds=10,durationSeconds=30.",
      "Types and their parameters (defaults): thermal-throttle (smClockMhz=1050, gpuTempC=90,"
          + " gpu), kv-pressure (blocksFraction=0.9), network-delay (requestDelayMs=50,"
          + " responseDelayMs=50), stall (xid=43, gpu; durationSeconds is the stall), slow-prefill"
          + " (factor=4).",
      "All take startSeconds (0) and durationSeconds (60; stall 5).",
      "",
      "Tracing: --otlp-traces-endpoint URL; the protocol comes from"
          + " OTEL_EXPORTER_OTLP_TRACES_PROTOCOL (grpc, the default, or http/protobuf), as in vLLM;"
          + " spans are exported every OTEL_BSP_SCHEDULE_DELAY ms (default 5000)."
    })
public final class SimCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  private String host = "127.0.0.1";

  @Option(names = "--port", description = "API port (default: ${DEFAULT-VALUE}).")
  private int port = 8000;

  @Option(
      names = "--dcgm-port",
      description = "DCGM exporter port, on --host (default: ${DEFAULT-VALUE}).")
  private int dcgmPort = 9400;

  @Option(names = "--model", description = "Served model name (default: ${DEFAULT-VALUE}).")
  private String model = "meta-llama/Llama-3.1-8B-Instruct";

  @Option(
      names = "--gpus",
      description = "GPUs the engine spans, tensor parallel (default: ${DEFAULT-VALUE}).")
  private int gpus = 1;

  @Option(
      names = "--max-num-seqs",
      description = "Most requests in one batch (default: ${DEFAULT-VALUE}).")
  private int maxNumSeqs = 256;

  @Option(
      names = "--max-num-batched-tokens",
      description =
          "Token budget of one step; longer prompts prefill in chunks (default: ${DEFAULT-VALUE}).")
  private int maxNumBatchedTokens = 8192;

  @Option(names = "--block-size", description = "Tokens per KV block (default: ${DEFAULT-VALUE}).")
  private int blockSize = 16;

  @Option(
      names = {"--num-gpu-blocks", "--num-gpu-blocks-override"},
      description = "KV blocks in the cache (default: ${DEFAULT-VALUE}).")
  private int numGpuBlocks = 25_000;

  @Option(
      names = "--max-model-len",
      description = "Most tokens, prompt + output, per request (default: ${DEFAULT-VALUE}).")
  private int maxModelLen = 8192;

  @Option(names = "--no-enable-prefix-caching", description = "Turn automatic prefix caching off.")
  private boolean noPrefixCaching;

  @Option(
      names = "--max-waiting-queue-length",
      description = "Waiting requests before new ones get 503 (default: ${DEFAULT-VALUE}).")
  private int maxWaiting = 1000;

  @Option(
      names = "--enable-prompt-tokens-details",
      description = "Report usage.prompt_tokens_details.cached_tokens.")
  private boolean promptTokensDetails;

  @Option(
      names = "--enable-force-include-usage",
      description = "Send the usage chunk on every stream.")
  private boolean forceIncludeUsage;

  @Option(
      names = "--max-body-bytes",
      description = "Largest request body; larger gets 413 (default: ${DEFAULT-VALUE}).")
  private int maxBodyBytes = 16 * 1024 * 1024;

  @Option(
      names = "--otlp-traces-endpoint",
      paramLabel = "URL",
      description = "Export one llm_request span per request here, as vLLM does.")
  private String otlpTracesEndpoint;

  @Option(
      names = "--dcgm-interval",
      converter = DurationConverter.class,
      description = "DCGM sampling interval, e.g. 1s or 500ms (default: 1s).")
  private Duration dcgmInterval = Duration.ofSeconds(1);

  @Option(
      names = "--hostname",
      description = "Hostname label of the DCGM series (default: ${DEFAULT-VALUE}).")
  private String hostname = "localhost";

  @Option(names = "--pod", description = "pod label of the DCGM series (none by default).")
  private String pod;

  @Option(names = "--namespace", description = "namespace label of the DCGM series.")
  private String namespace;

  @Option(names = "--container", description = "container label of the DCGM series.")
  private String container;

  @Option(
      names = "--fault",
      paramLabel = "SPEC",
      description = "Inject a fault at start (repeatable); see below.")
  private List<String> faultSpecs = new ArrayList<>();

  @Option(
      names = "--step-base-ms",
      description = "Fixed cost of an engine step, ms (default: ${DEFAULT-VALUE}).")
  private double stepBaseMs = StepTimeModel.H100_8B.baseMs();

  @Option(
      names = "--decode-ms-per-seq",
      description = "Step cost per decoding sequence, ms (default: ${DEFAULT-VALUE}).")
  private double decodeMsPerSeq = StepTimeModel.H100_8B.decodeMsPerSequence();

  @Option(
      names = "--kv-read-ms-per-1k-tokens",
      description = "Step cost per 1000 context tokens read, ms (default: ${DEFAULT-VALUE}).")
  private double kvReadMs = StepTimeModel.H100_8B.kvReadMsPer1kTokens();

  @Option(
      names = "--prefill-ms-per-token",
      description = "Step cost per prompt token, ms (default: ${DEFAULT-VALUE}).")
  private double prefillMsPerToken = StepTimeModel.H100_8B.prefillMsPerToken();

  @Override
  public Integer call() throws InterruptedException {
    SimConfig config = config();
    PrintWriter out = spec.commandLine().getOut();
    Sim sim;
    try {
      sim = Sim.start(config);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) { // a bind failure arrives as an unchecked-thrown BindException
      throw new ParameterException(
          spec.commandLine(),
          "cannot listen on "
              + host
              + ":"
              + port
              + " (API) and :"
              + dcgmPort
              + " (DCGM): "
              + e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  sim.close();
                  stopped.countDown();
                },
                "sim-shutdown"));
    out.printf(
        "sim: serving %s on %s (%d GPU%s, DCGM twin on http://%s:%d/metrics)%n",
        model,
        sim.baseUrl(),
        gpus,
        gpus == 1 ? "" : "s",
        sim.dcgmAddress().getHostString(),
        sim.dcgmAddress().getPort());
    if (otlpTracesEndpoint != null) {
      out.printf(
          "sim: llm_request spans to %s (%s)%n", otlpTracesEndpoint, config.otlpTracesProtocol());
    }
    config.faults().forEach(f -> out.printf("sim: fault %s%n", f));
    out.println("sim: Ctrl-C stops");
    out.flush();
    stopped.await();
    return 0;
  }

  private Duration scheduleDelay() {
    String raw = System.getenv("OTEL_BSP_SCHEDULE_DELAY");
    if (raw == null || raw.isBlank()) {
      return Duration.ofSeconds(5);
    }
    try {
      long ms = Long.parseLong(raw.strip());
      if (ms > 0) {
        return Duration.ofMillis(ms);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ParameterException(
        spec.commandLine(), "OTEL_BSP_SCHEDULE_DELAY=" + raw + ": give milliseconds > 0");
  }

  SimConfig config() {
    List<FaultSpec> faults = new ArrayList<>();
    for (String text : faultSpecs) {
      try {
        faults.add(FaultSpec.parse(text));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--fault " + text + ": " + e.getMessage());
      }
    }
    String protocol = System.getenv().getOrDefault("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc");
    if (!protocol.equals("grpc") && !protocol.equals("http/protobuf")) {
      throw new ParameterException(
          spec.commandLine(),
          "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=" + protocol + ": use grpc or http/protobuf");
    }
    try {
      return new SimConfig(
          new InetSocketAddress(host, port),
          new InetSocketAddress(host, dcgmPort),
          new SimHttpOptions(model, promptTokensDetails, forceIncludeUsage, maxBodyBytes),
          new EngineConfig(
              maxNumSeqs,
              maxNumBatchedTokens,
              blockSize,
              numGpuBlocks,
              maxModelLen,
              !noPrefixCaching,
              maxWaiting,
              new StepTimeModel(stepBaseMs, decodeMsPerSeq, kvReadMs, prefillMsPerToken)),
          gpus,
          dcgmInterval,
          hostname,
          pod,
          namespace,
          container,
          otlpTracesEndpoint,
          protocol,
          scheduleDelay(),
          faults);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
