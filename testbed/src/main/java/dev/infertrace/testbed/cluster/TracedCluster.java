package dev.infertrace.testbed.cluster;

import dev.infertrace.core.slo.SloTarget;
import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.engine.EnginePhases;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.epp.EndpointView;
import dev.infertrace.proxy.epp.EppClient;
import dev.infertrace.proxy.epp.EppInterposer;
import dev.infertrace.proxy.export.OtlpJsonFileExporter;
import dev.infertrace.proxy.otlp.OtlpReceiver;
import dev.infertrace.proxy.state.WorkerState;
import dev.infertrace.testbed.epp.RefEpp;
import dev.infertrace.testbed.epp.Scorer;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The traced stack of the demo and the scenarios, on the simulated cluster: per worker a vLLM+DCGM
 * twin sending its own spans to the sidecar's OTLP receiver, a worker sidecar with its {@link
 * WorkerState} and {@link EnginePhases}; the reference EPP behind the {@link EppInterposer}; an
 * ingress as the gateway asking it. Every span goes to one exporter (a trace file), complete once
 * {@link #close()} has returned.
 */
public final class TracedCluster implements AutoCloseable {
  public static final String MODEL = "llama-3.1-8b";
  public static final String INGRESS_SERVICE = "infertrace-ingress";
  public static final String WORKER_SERVICE_PREFIX = "infertrace-worker-";

  /**
   * What differs between stacks.
   *
   * @param workers how many twins, each behind a sidecar
   * @param name the name of worker {@code i} at the EPP (a format with {@code %d})
   * @param service its sidecar's service name (a format with {@code %d}), after {@link
   *     #WORKER_SERVICE_PREFIX}
   * @param scorer the reference EPP's scorer weights
   * @param slos the ingress's latency objectives
   * @param admin where the ingress serves /metrics, or null
   */
  public record Options(
      int workers,
      String name,
      String service,
      Scorer scorer,
      Map<String, SloTarget> slos,
      @javax.annotation.Nullable InetSocketAddress admin) {}

  private final List<AutoCloseable> running = new ArrayList<>();
  private final List<Sim> sims = new ArrayList<>();
  private final List<ProxyRuntime> workerProxies = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final SpanExporter file;
  private RefEpp refEpp;
  private EppInterposer interposer;
  private ProxyRuntime ingress;

  private TracedCluster(SpanExporter file) {
    this.file = file;
  }

  /** Starts the stack; it owns {@code file} and shuts it down on {@link #close()}. */
  public static TracedCluster start(Options options, SpanExporter file) throws Exception {
    TracedCluster cluster = new TracedCluster(file);
    try {
      cluster.build(options);
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** The scenarios' stack: {@code workers} named w0, w1, ..., spans to a new trace file. */
  public static TracedCluster start(int workers, Path traceFile, Scorer scorer) throws Exception {
    Files.deleteIfExists(traceFile);
    return start(
        new Options(workers, "w%d", "w%d", scorer, Map.of(), null),
        OtlpJsonFileExporter.open(traceFile));
  }

  private void build(Options options) throws Exception {
    int n = options.workers();
    List<Endpoint> endpoints = new ArrayList<>();
    Map<String, URI> dcgm = new HashMap<>();
    List<URI> workers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      AtomicReference<EnginePhases> phases = new AtomicReference<>();
      OtlpReceiver receiver =
          OtlpReceiver.start(
              new InetSocketAddress("127.0.0.1", 0),
              new InetSocketAddress("127.0.0.1", 0),
              (request, transport) -> {
                EnginePhases p = phases.get();
                if (p != null) {
                  p.accept(request, transport);
                }
              },
              true);
      running.add(0, receiver);
      Sim sim =
          Sim.start(
              SimConfig.loopback(MODEL)
                  // 4 sequences per batch, as in the demo: overload and KV pressure queue.
                  .withEngine(
                      new EngineConfig(
                          4, 8192, 16, 25_000, 8192, true, 1000, StepTimeModel.H100_8B))
                  .withTracing(
                      "http://127.0.0.1:" + receiver.grpcPort(), "grpc", Duration.ofMillis(200)));
      sims.add(sim);
      URI dcgmUri = URI.create("http://127.0.0.1:" + sim.dcgmAddress().getPort() + "/metrics");
      WorkerState state =
          new WorkerState(
              URI.create(sim.baseUrl() + "/metrics"),
              Duration.ofMillis(100),
              dcgmUri,
              Duration.ofSeconds(1),
              null,
              null,
              Set.of());
      running.add(0, state);
      String name = String.format(java.util.Locale.ROOT, options.name(), i);
      OpenTelemetrySdk sdk =
          sdk(WORKER_SERVICE_PREFIX + String.format(java.util.Locale.ROOT, options.service(), i));
      EnginePhases engine =
          new EnginePhases(
              sdk.getTracer("dev.infertrace.proxy"),
              new SharedExporter(file),
              Duration.ofSeconds(5),
              10_000,
              state,
              timer);
      phases.set(engine);
      ProxyRuntime worker =
          ProxyRuntime.builder(
                  ProxyConfig.loopback(Role.WORKER, List.of(URI.create(sim.baseUrl()))))
              .openTelemetry(sdk)
              .workerState(state)
              .enginePhases(engine)
              .start();
      running.remove(state); // the runtime closes it
      running.add(0, worker);
      workerProxies.add(worker);
      running.add(0, sim); // closed first: the twin flushes its spans while they can match
      URI uri = URI.create(worker.baseUrl());
      workers.add(uri);
      endpoints.add(new Endpoint(name, "127.0.0.1", uri.getPort()));
      dcgm.put(name, dcgmUri);
    }
    InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
    refEpp = RefEpp.start(loopback, endpoints, options.scorer(), false);
    running.add(0, refEpp);
    EndpointView view = new EndpointView(endpoints, dcgm);
    running.add(0, view);
    interposer =
        EppInterposer.start(
            loopback,
            new InetSocketAddress("127.0.0.1", refEpp.port()),
            sdk("infertrace-epp"),
            view);
    running.add(0, interposer);
    ingress =
        ProxyRuntime.builder(
                ProxyConfig.loopback(Role.INGRESS, workers).toBuilder()
                    .slos(options.slos())
                    .build())
            .openTelemetry(sdk(INGRESS_SERVICE))
            .eppClient(
                new EppClient(
                    new InetSocketAddress("127.0.0.1", interposer.port()),
                    endpoints,
                    EppClient.FailureMode.OPEN,
                    Duration.ofSeconds(2)))
            .admin(options.admin())
            .start();
    running.add(0, ingress);
    Thread.sleep(200); // the EPP's first scrapes of the workers' metrics
  }

  /** The ingress, {@code http://host:port}. */
  public URI ingress() {
    return URI.create(ingress.baseUrl());
  }

  /** Worker {@code i}'s twin (vLLM and its DCGM exporter). */
  public Sim sim(int i) {
    return sims.get(i);
  }

  /** Worker {@code i}'s sidecar, {@code http://host:port}. */
  public URI worker(int i) {
    return URI.create(workerProxies.get(i).baseUrl());
  }

  public RefEpp refEpp() {
    return refEpp;
  }

  /** The epp interposer's ext_proc port (in front of the reference EPP). */
  public int interposerPort() {
    return interposer.port();
  }

  /** A timer for the stack's users (faults on a schedule); stopped with the stack. */
  public ScheduledExecutorService timer() {
    return timer;
  }

  private OpenTelemetrySdk sdk(String service) {
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .setResource(
                        Resource.getDefault()
                            .merge(Resource.builder().put("service.name", service).build()))
                    .addSpanProcessor(
                        BatchSpanProcessor.builder(new SharedExporter(file))
                            .setScheduleDelay(Duration.ofMillis(500))
                            .setMaxQueueSize(65_536)
                            .build())
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    running.add(0, sdk);
    return sdk;
  }

  /** Stops everything, flushing every span to the file. */
  @Override
  public void close() throws IOException {
    Exception first = null;
    for (AutoCloseable c : running) {
      try {
        c.close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    running.clear();
    timer.shutdownNow();
    file.shutdown().join(10, TimeUnit.SECONDS);
    if (first != null) {
      throw new IOException("stopping the stack", first);
    }
  }
}
