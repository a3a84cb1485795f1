package dev.infertrace.testbed.scenario;

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
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo's traced stack (see {@code DemoCommand}) with {@code n} workers named w0, w1, ...: per
 * worker a vLLM+DCGM twin sending its own spans to the sidecar's OTLP receiver, a worker sidecar
 * with its {@link WorkerState} and {@link EnginePhases}; the reference EPP behind the {@link
 * EppInterposer}; an ingress as the gateway asking it. Every span goes to one OTLP JSON lines file,
 * complete once {@link #close()} has returned.
 */
final class ScenarioStack implements AutoCloseable {
  static final String MODEL = "llama-3.1-8b";
  static final String INGRESS_SERVICE = "infertrace-ingress";
  static final String WORKER_SERVICE_PREFIX = "infertrace-worker-";

  private final List<AutoCloseable> running = new ArrayList<>();
  private final List<Sim> sims = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final SpanExporter file;
  private RefEpp refEpp;
  private ProxyRuntime ingress;

  private ScenarioStack(SpanExporter file) {
    this.file = file;
  }

  static ScenarioStack start(int workers, Path traceFile) throws Exception {
    Files.deleteIfExists(traceFile);
    ScenarioStack stack = new ScenarioStack(OtlpJsonFileExporter.open(traceFile));
    try {
      stack.build(workers);
    } catch (Exception e) {
      stack.close();
      throw e;
    }
    return stack;
  }

  private void build(int n) throws Exception {
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
      OpenTelemetrySdk sdk = sdk(WORKER_SERVICE_PREFIX + "w" + i);
      EnginePhases engine =
          new EnginePhases(
              sdk.getTracer("dev.infertrace.proxy"),
              new Shared(file),
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
      running.add(0, sim); // closed first: the twin flushes its spans while they can match
      URI uri = URI.create(worker.baseUrl());
      workers.add(uri);
      endpoints.add(new Endpoint("w" + i, "127.0.0.1", uri.getPort()));
      dcgm.put("w" + i, dcgmUri);
    }
    InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
    // All scorers weighted 0: every pick is a tie, broken at random, so each worker takes a third
    // of the load whatever its state and a fault on one always has victims (the queue and prefix
    // scorers would steer around an overloaded worker, and pin the shared prompt to one or two).
    refEpp = RefEpp.start(loopback, endpoints, new Scorer(0, 0, 0), false);
    running.add(0, refEpp);
    EndpointView view = new EndpointView(endpoints, dcgm);
    running.add(0, view);
    EppInterposer interposer =
        EppInterposer.start(
            loopback,
            new InetSocketAddress("127.0.0.1", refEpp.port()),
            sdk("infertrace-epp"),
            view);
    running.add(0, interposer);
    ingress =
        ProxyRuntime.builder(ProxyConfig.loopback(Role.INGRESS, workers))
            .openTelemetry(sdk(INGRESS_SERVICE))
            .eppClient(
                new EppClient(
                    new InetSocketAddress("127.0.0.1", interposer.port()),
                    endpoints,
                    EppClient.FailureMode.OPEN,
                    Duration.ofSeconds(2)))
            .start();
    running.add(0, ingress);
    Thread.sleep(200); // the EPP's first scrapes of the workers' metrics
  }

  URI ingress() {
    return URI.create(ingress.baseUrl());
  }

  Sim sim(int i) {
    return sims.get(i);
  }

  RefEpp refEpp() {
    return refEpp;
  }

  ScheduledExecutorService timer() {
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
                        BatchSpanProcessor.builder(new Shared(file))
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

  /** Lets several tracer providers share the file exporter: their shutdown flushes it only. */
  private static final class Shared implements SpanExporter {
    private final SpanExporter delegate;

    Shared(SpanExporter delegate) {
      this.delegate = delegate;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return delegate.export(spans);
    }

    @Override
    public CompletableResultCode flush() {
      return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return delegate.flush();
    }
  }
}
