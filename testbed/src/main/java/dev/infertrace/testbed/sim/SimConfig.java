package dev.infertrace.testbed.sim;

import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.fault.FaultSpec;
import dev.infertrace.testbed.sim.http.SimHttpOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import javax.annotation.Nullable;

/**
 * Everything one twin instance needs: listeners, engine, GPUs, tracing, faults at start.
 *
 * @param api where the OpenAI-compatible API listens
 * @param dcgm where the DCGM exporter twin listens
 * @param gpus GPUs the engine spans (tensor parallel)
 * @param dcgmInterval how often the DCGM twin samples
 * @param hostname the {@code Hostname} label of the DCGM series
 * @param otlpTracesEndpoint where {@code llm_request} spans go, or null for none
 * @param otlpTracesProtocol {@code grpc} or {@code http/protobuf}
 * @param otlpScheduleDelay how often the batch span processor exports ({@code
 *     OTEL_BSP_SCHEDULE_DELAY}; 5 s by default, as in vLLM)
 */
public record SimConfig(
    InetSocketAddress api,
    InetSocketAddress dcgm,
    SimHttpOptions http,
    EngineConfig engine,
    int gpus,
    Duration dcgmInterval,
    String hostname,
    @Nullable String pod,
    @Nullable String namespace,
    @Nullable String container,
    @Nullable String otlpTracesEndpoint,
    String otlpTracesProtocol,
    Duration otlpScheduleDelay,
    List<FaultSpec> faults) {

  public SimConfig {
    faults = List.copyOf(faults);
    if (gpus < 1) {
      throw new IllegalArgumentException("--gpus must be >= 1, got " + gpus);
    }
    if (dcgmInterval.isNegative() || dcgmInterval.isZero()) {
      throw new IllegalArgumentException("--dcgm-interval must be > 0, got " + dcgmInterval);
    }
  }

  /** A twin on free loopback ports with vLLM's defaults, for tests and the demo. */
  public static SimConfig loopback(String model) {
    return new SimConfig(
        new InetSocketAddress("127.0.0.1", 0),
        new InetSocketAddress("127.0.0.1", 0),
        new SimHttpOptions(model, false, false, 16 * 1024 * 1024),
        EngineConfig.defaults(),
        1,
        Duration.ofSeconds(1),
        "localhost",
        null,
        null,
        null,
        null,
        "grpc",
        Duration.ofSeconds(5),
        List.of());
  }

  /** This configuration with another engine. */
  public SimConfig withEngine(EngineConfig engine) {
    return new SimConfig(
        api,
        dcgm,
        http,
        engine,
        gpus,
        dcgmInterval,
        hostname,
        pod,
        namespace,
        container,
        otlpTracesEndpoint,
        otlpTracesProtocol,
        otlpScheduleDelay,
        faults);
  }

  /** This configuration with other API options. */
  public SimConfig withHttp(SimHttpOptions http) {
    return new SimConfig(
        api,
        dcgm,
        http,
        engine,
        gpus,
        dcgmInterval,
        hostname,
        pod,
        namespace,
        container,
        otlpTracesEndpoint,
        otlpTracesProtocol,
        otlpScheduleDelay,
        faults);
  }

  /** This configuration with another GPU count and DCGM sampling interval. */
  public SimConfig withGpus(int gpus, Duration dcgmInterval) {
    return new SimConfig(
        api,
        dcgm,
        http,
        engine,
        gpus,
        dcgmInterval,
        hostname,
        pod,
        namespace,
        container,
        otlpTracesEndpoint,
        otlpTracesProtocol,
        otlpScheduleDelay,
        faults);
  }

  /** This configuration listening on these addresses (a twin restarted where it was). */
  public SimConfig withListeners(InetSocketAddress api, InetSocketAddress dcgm) {
    return new SimConfig(
        api,
        dcgm,
        http,
        engine,
        gpus,
        dcgmInterval,
        hostname,
        pod,
        namespace,
        container,
        otlpTracesEndpoint,
        otlpTracesProtocol,
        otlpScheduleDelay,
        faults);
  }

  /** This configuration exporting {@code llm_request} spans to {@code endpoint}. */
  public SimConfig withTracing(String endpoint, String protocol, Duration scheduleDelay) {
    return new SimConfig(
        api,
        dcgm,
        http,
        engine,
        gpus,
        dcgmInterval,
        hostname,
        pod,
        namespace,
        container,
        endpoint,
        protocol,
        scheduleDelay,
        faults);
  }
}
