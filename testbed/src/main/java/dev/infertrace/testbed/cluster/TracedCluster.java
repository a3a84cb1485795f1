package dev.infertrace.testbed.cluster;

import dev.infertrace.core.slo.SloTarget;
import dev.infertrace.proxy.EppRuntime;
import dev.infertrace.proxy.ProxyRuntime;
import dev.infertrace.proxy.ProxyTelemetry;
import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import dev.infertrace.proxy.engine.EnginePhases;
import dev.infertrace.proxy.epp.Endpoint;
import dev.infertrace.proxy.epp.EndpointView;
import dev.infertrace.proxy.epp.EppClient;
import dev.infertrace.proxy.export.OtlpJsonFileExporter;
import dev.infertrace.proxy.export.SpanQueue;
import dev.infertrace.proxy.otlp.OtlpReceiver;
import dev.infertrace.proxy.state.WorkerState;
import dev.infertrace.testbed.epp.RefEpp;
import dev.infertrace.testbed.epp.Scorer;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import dev.infertrace.testbed.sim.engine.EngineConfig;
import dev.infertrace.testbed.sim.engine.StepTimeModel;
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
import java.util.function.Function;

/**
 * The traced stack of the demo and the scenarios, on the simulated cluster: per worker a vLLM+DCGM
 * twin sending its own spans to the sidecar's OTLP receiver, a worker sidecar with its {@link
 * WorkerState} and {@link EnginePhases}; the reference EPP behind the epp interposer ({@link
 * EppRuntime}); an ingress as the gateway asking it. Every span goes to one exporter (a trace
 * file), complete once {@link #close()} has returned.
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
   * @param networkLinks whether the gateway reaches each worker over a {@link NetworkLink} whose
   *     delay can be raised ({@link #link(int)}), rather than directly
   * @param maxNumSeqs worker {@code i}'s engine batch cap ({@code --max-num-seqs})
   */
  public record Options(
      int workers,
      String name,
      String service,
      Scorer scorer,
      Map<String, SloTarget> slos,
      @javax.annotation.Nullable InetSocketAddress admin,
      boolean networkLinks,
      java.util.function.IntUnaryOperator maxNumSeqs) {

    /** Every engine batches at most {@link #MAX_NUM_SEQS} sequences. */
    public Options(
        int workers,
        String name,
        String service,
        Scorer scorer,
        Map<String, SloTarget> slos,
        @javax.annotation.Nullable InetSocketAddress admin,
        boolean networkLinks) {
      this(workers, name, service, scorer, slos, admin, networkLinks, i -> MAX_NUM_SEQS);
    }
  }

  /** 4 sequences per batch, as in the demo: overload and KV pressure queue. */
  public static final int MAX_NUM_SEQS = 4;

  private final List<AutoCloseable> running = new ArrayList<>();
  private final List<Sim> sims = new ArrayList<>();
  private final List<SimConfig> simConfigs = new ArrayList<>();
  private final List<ProxyRuntime> workerProxies = new ArrayList<>();
  private final List<NetworkLink> links = new ArrayList<>();
  private final Map<String, URI> admins = new java.util.LinkedHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  @javax.annotation.Nullable private final SpanExporter file;
  private final Function<String, ProxyTelemetry.Telemetry> telemetry;
  private List<Endpoint> endpoints;
  private Scorer scorer;
  private int refEppPort;
  private RefEpp refEpp;
  private EppRuntime interposer;
  private ProxyRuntime ingress;

  private TracedCluster(
      @javax.annotation.Nullable SpanExporter file,
      Function<String, ProxyTelemetry.Telemetry> telemetry) {
    this.file = file;
    this.telemetry = telemetry;
  }

  /** Starts the stack; it owns {@code file} and shuts it down on {@link #close()}. */
  public static TracedCluster start(Options options, SpanExporter file) throws Exception {
    SpanExporter shared = dev.infertrace.proxy.export.SpanExporters.unowned(file);
    return start(
        options,
        file,
        service ->
            ProxyTelemetry.Telemetry.of(
                service,
                SpanQueue.builder(shared)
                    .scheduleDelay(Duration.ofMillis(500))
                    .maxQueueSize(65_536)));
  }

  /**
   * Starts the stack with each proxy's spans going through the telemetry {@code telemetry} makes
   * for its service name (its own bounded, counted queue, as in a proxy process); the stack owns
   * each.
   */
  public static TracedCluster start(
      Options options, Function<String, ProxyTelemetry.Telemetry> telemetry) throws Exception {
    return start(options, null, telemetry);
  }

  private static TracedCluster start(
      Options options,
      @javax.annotation.Nullable SpanExporter file,
      Function<String, ProxyTelemetry.Telemetry> telemetry)
      throws Exception {
    TracedCluster cluster = new TracedCluster(file, telemetry);
    try {
      cluster.build(options);
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /**
   * The scenarios' stack: {@code workers} named w0, w1, ..., spans to a new trace file; with {@code
   * networkLinks}, the gateway reaches each worker over a {@link NetworkLink}.
   */
  public static TracedCluster start(
      int workers,
      Path traceFile,
      Scorer scorer,
      boolean networkLinks,
      java.util.function.IntUnaryOperator maxNumSeqs)
      throws Exception {
    Files.deleteIfExists(traceFile);
    return start(
        new Options(workers, "w%d", "w%d", scorer, Map.of(), null, networkLinks, maxNumSeqs),
        OtlpJsonFileExporter.open(traceFile));
  }

  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  private void build(Options options) throws Exception {
    int n = options.workers();
    List<Endpoint> endpoints = new ArrayList<>();
    Map<String, URI> dcgm = new HashMap<>();
    List<URI> workers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = String.format(java.util.Locale.ROOT, options.name(), i);
      ProxyTelemetry.Telemetry t =
          telemetry.apply(
              WORKER_SERVICE_PREFIX + String.format(java.util.Locale.ROOT, options.service(), i));
      AtomicReference<EnginePhases> phases = new AtomicReference<>();
      OtlpReceiver receiver;
      try {
        receiver =
            OtlpReceiver.start(
                ANY_PORT,
                ANY_PORT,
                (request, transport) -> {
                  EnginePhases p = phases.get();
                  if (p != null) {
                    p.accept(request, transport);
                  }
                },
                true);
      } catch (Exception e) {
        t.sdk().close();
        throw e;
      }
      running.add(0, receiver);
      SimConfig simConfig =
          SimConfig.loopback(MODEL)
              .withEngine(
                  new EngineConfig(
                      options.maxNumSeqs().applyAsInt(i),
                      8192,
                      16,
                      25_000,
                      8192,
                      true,
                      1000,
                      StepTimeModel.H100_8B))
              .withTracing(
                  "http://127.0.0.1:" + receiver.grpcPort(), "grpc", Duration.ofMillis(200));
      Sim sim = Sim.start(simConfig);
      sims.add(sim);
      simConfigs.add(simConfig.withListeners(sim.apiAddress(), sim.dcgmAddress()));
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
      EnginePhases engine =
          new EnginePhases(
              t.sdk().getTracer("dev.infertrace.proxy"),
              t.spans().relay(),
              Duration.ofSeconds(5),
              10_000,
              state,
              timer);
      phases.set(engine);
      ProxyRuntime worker =
          ProxyRuntime.builder(
                  ProxyConfig.loopback(Role.WORKER, List.of(URI.create(sim.baseUrl()))))
              .telemetry(t)
              .workerState(state)
              .enginePhases(engine)
              .admin(ANY_PORT)
              .start();
      running.remove(state); // the runtime closes it
      running.add(0, worker);
      workerProxies.add(worker);
      admins.put(name, adminUri(worker.admin().address()));
      running.add(0, sim); // closed first: the twin flushes its spans while they can match
      int port = URI.create(worker.baseUrl()).getPort();
      if (options.networkLinks()) {
        NetworkLink link = NetworkLink.start(new InetSocketAddress("127.0.0.1", port));
        running.add(0, link);
        links.add(link);
        port = link.port();
      }
      workers.add(URI.create("http://127.0.0.1:" + port));
      endpoints.add(new Endpoint(name, "127.0.0.1", port));
      dcgm.put(name, dcgmUri);
    }
    this.endpoints = List.copyOf(endpoints);
    this.scorer = options.scorer();
    refEpp = RefEpp.start(ANY_PORT, endpoints, options.scorer(), false);
    refEppPort = refEpp.port();
    running.add(0, refEpp);
    interposer =
        EppRuntime.builder(
                ANY_PORT,
                new InetSocketAddress("127.0.0.1", refEppPort),
                telemetry.apply("infertrace-epp"))
            .endpointView(new EndpointView(endpoints, dcgm))
            .admin(ANY_PORT)
            .start();
    running.add(0, interposer);
    admins.put("epp", adminUri(interposer.admin().address()));
    ingress =
        ProxyRuntime.builder(
                ProxyConfig.loopback(Role.INGRESS, workers).toBuilder()
                    .slos(options.slos())
                    .build())
            .telemetry(telemetry.apply(INGRESS_SERVICE))
            .eppClient(
                new EppClient(
                    new InetSocketAddress("127.0.0.1", interposer.port()),
                    endpoints,
                    EppClient.FailureMode.OPEN,
                    Duration.ofSeconds(2)))
            .admin(options.admin() != null ? options.admin() : ANY_PORT)
            .start();
    running.add(0, ingress);
    admins.put("ingress", adminUri(ingress.admin().address()));
    Thread.sleep(200); // the EPP's first scrapes of the workers' metrics
  }

  private static URI adminUri(InetSocketAddress a) {
    return URI.create("http://127.0.0.1:" + a.getPort() + "/metrics");
  }

  /**
   * Each proxy's {@code /metrics} by name: {@code ingress}, {@code epp} (the interposer) and each
   * worker sidecar by its name at the EPP.
   */
  public Map<String, URI> metricsPages() {
    return Map.copyOf(admins);
  }

  /** The endpoints the EPP knows, worker {@code i} at index {@code i}. */
  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /**
   * Kills worker {@code i}'s twin (vLLM and its DCGM exporter): its listeners close, its open
   * connections are dropped and its engine stops; the sidecar stays. See {@link #startTwin}.
   */
  public synchronized void stopTwin(int i) {
    Sim sim = sims.get(i);
    if (sim != null) {
      running.remove(sim);
      sims.set(i, null);
      sim.close();
    }
  }

  /** Starts worker {@code i}'s twin again, fresh, on the ports it had. */
  public synchronized void startTwin(int i) throws InterruptedException {
    if (sims.get(i) == null) {
      Sim sim = Sim.start(simConfigs.get(i));
      sims.set(i, sim);
      running.add(0, sim);
    }
  }

  /** Kills the reference EPP (the Endpoint Picker behind the interposer). */
  public synchronized void stopRefEpp() {
    if (refEpp != null) {
      running.remove(refEpp);
      refEpp.close();
      refEpp = null;
    }
  }

  /** Starts the reference EPP again on its port. */
  public synchronized void startRefEpp() throws IOException {
    if (refEpp == null) {
      refEpp =
          RefEpp.start(new InetSocketAddress("127.0.0.1", refEppPort), endpoints, scorer, false);
      running.add(0, refEpp);
    }
  }

  /** The ingress, {@code http://host:port}. */
  public URI ingress() {
    return URI.create(ingress.baseUrl());
  }

  /** The ingress's event loops (the proxy-stall scenario holds them). */
  public io.netty.channel.EventLoopGroup ingressLoops() {
    return ingress.server().eventLoops();
  }

  /** Worker {@code i}'s twin (vLLM and its DCGM exporter); null while it is stopped. */
  public synchronized Sim sim(int i) {
    return sims.get(i);
  }

  /** Worker {@code i}'s sidecar, {@code http://host:port}. */
  public URI worker(int i) {
    return URI.create(workerProxies.get(i).baseUrl());
  }

  /** The network between the gateway and worker {@code i}; only with {@code networkLinks}. */
  public NetworkLink link(int i) {
    if (links.isEmpty()) {
      throw new IllegalStateException("this stack reaches its workers directly");
    }
    return links.get(i);
  }

  /** The reference EPP; null while it is stopped. */
  public synchronized RefEpp refEpp() {
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

  /** Stops everything, flushing every span to the file. */
  @Override
  public synchronized void close() throws IOException {
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
    if (file != null) {
      file.shutdown().join(10, TimeUnit.SECONDS);
    }
    if (first != null) {
      throw new IOException("stopping the stack", first);
    }
  }
}
