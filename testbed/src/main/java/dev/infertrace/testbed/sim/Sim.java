package dev.infertrace.testbed.sim;

import dev.infertrace.testbed.sim.engine.Engine;
import dev.infertrace.testbed.sim.fault.FaultSchedule;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import dev.infertrace.testbed.sim.gpu.GpuSet;
import dev.infertrace.testbed.sim.gpu.GpuSetConfig;
import dev.infertrace.testbed.sim.http.SimHttpServer;
import dev.infertrace.testbed.sim.metrics.VllmMetrics;
import dev.infertrace.testbed.sim.tracing.LlmRequestSpans;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One running vLLM + DCGM twin: engine, GPUs, both listeners, faults. Several can run side by side
 * in one JVM (the demo does). {@link #close()} stops everything.
 */
public final class Sim implements AutoCloseable {
  /**
   * Bytes of KV cache per token of an 8B model (32 layers × 8 KV heads × 128 dims × K,V × bf16).
   */
  static final long KV_BYTES_PER_TOKEN = 32L * 8 * 128 * 2 * 2;

  /** Weights of an 8B model in bf16, bytes. */
  static final long WEIGHTS_BYTES = 16_060_000_000L;

  private final SimConfig config;
  private final FaultSchedule faults;
  private final GpuSet gpus;
  private final Engine engine;
  private final LlmRequestSpans spans;
  private final EventLoopGroup group;
  private final SimHttpServer http;
  private final ScheduledFuture<?> sampler;

  private Sim(SimConfig config, SimClock clock) throws InterruptedException {
    this.config = config;
    this.faults = new FaultSchedule(clock);
    for (FaultSpec spec : config.faults()) {
      faults.add(spec);
    }
    int blockSize = config.engine().blockSize();
    this.gpus =
        GpuSet.create(
            new GpuSetConfig(
                config.gpus(),
                config.http().model() + "@" + config.api(),
                config.hostname(),
                config.pod(),
                config.namespace(),
                config.container(),
                WEIGHTS_BYTES / config.gpus(),
                KV_BYTES_PER_TOKEN * blockSize / config.gpus()),
            faults,
            clock);
    this.spans =
        config.otlpTracesEndpoint() == null
            ? LlmRequestSpans.noop()
            : LlmRequestSpans.create(
                config.otlpTracesEndpoint(),
                config.otlpTracesProtocol(),
                "vllm",
                config.otlpScheduleDelay());
    Map<String, String> cacheConfig =
        Map.of(
            "block_size", Integer.toString(blockSize),
            "num_gpu_blocks", Integer.toString(config.engine().numGpuBlocks()),
            "enable_prefix_caching", Boolean.toString(config.engine().prefixCaching()),
            "cache_dtype", "auto");
    this.engine =
        new Engine(
                config.http().model(),
                config.engine(),
                clock,
                faults,
                gpus,
                gauges ->
                    new VllmMetrics(
                        config.http().model(), gauges, cacheConfig, config.engine().maxModelLen()),
                spans)
            .start();
    this.group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("sim-io", true), NioIoHandler.newFactory());
    try {
      this.http =
          SimHttpServer.start(
              group, config.api(), config.dcgm(), config.http(), engine, faults, clock, gpus);
    } catch (RuntimeException | InterruptedException e) {
      engine.close();
      spans.close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
    long intervalNanos = config.dcgmInterval().toNanos();
    this.sampler =
        group
            .next()
            .scheduleAtFixedRate(gpus::sample, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
  }

  /** Starts a twin; throws when a port cannot be bound. */
  public static Sim start(SimConfig config) throws InterruptedException {
    return new Sim(config, SimClock.system());
  }

  public InetSocketAddress apiAddress() {
    return http.apiAddress();
  }

  public InetSocketAddress dcgmAddress() {
    return http.dcgmAddress();
  }

  /** {@code http://host:port} of the API. */
  public String baseUrl() {
    InetSocketAddress a = apiAddress();
    return "http://" + a.getHostString() + ":" + a.getPort();
  }

  /**
   * Kills the DCGM exporter twin's listener (the API and the GPUs go on); see {@link #startDcgm}.
   */
  public void stopDcgm() {
    http.stopDcgm();
  }

  /** Restarts the DCGM exporter twin's listener on its port. */
  public void startDcgm() throws InterruptedException {
    http.startDcgm();
  }

  public FaultSchedule faults() {
    return faults;
  }

  public SimConfig config() {
    return config;
  }

  public Engine engine() {
    return engine;
  }

  @Override
  public void close() {
    sampler.cancel(false);
    http.close();
    engine.close();
    spans.close();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
