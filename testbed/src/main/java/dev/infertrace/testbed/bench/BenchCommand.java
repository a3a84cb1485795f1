package dev.infertrace.testbed.bench;

import dev.infertrace.testbed.load.LoadConfig;
import dev.infertrace.testbed.load.LoadGenerator;
import dev.infertrace.testbed.load.LoadStats;
import dev.infertrace.testbed.otlp.OtlpSink;
import dev.infertrace.testbed.sim.Sim;
import dev.infertrace.testbed.sim.SimConfig;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.annotation.Nullable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./infertrace bench}: infertrace against direct, nginx and HAProxy, side by side. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Runs the same load against a fast deterministic upstream directly and through each"
          + " proxy (nginx, HAProxy, infertrace ingress and worker with every request traced to a"
          + " local OTLP sink), one worker thread or process each, and reports the latency each adds"
          + " (HdrHistogram percentiles, variant minus direct), throughput, CPU per request and per"
          + " stream frame (from /proc), peak RSS, and each as a ratio to nginx. Scenarios: one"
          + " request at a time; saturation at 64 connections; streams of --frames frames at"
          + " --frame-gap with 1, 100 and 1000 streams.",
      "--quick runs a reduced set (about 5 minutes) and ends with one line of ratios."
    })
public final class BenchCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--quick", description = "Reduced set, about 5 minutes, ending in one line.")
  boolean quick;

  @Option(
      names = "--variants",
      split = ",",
      description = {
        "Which to run: direct, nginx, haproxy, ingress, worker, litellm (default: all of them,"
            + " litellm when installed; --quick: all but litellm)."
      })
  List<String> variants;

  /** LiteLLM is far slower: its streaming scenarios stop at this many streams. */
  static final int LITELLM_MAX_STREAMS = 100;

  @Option(names = "--seconds", description = "Seconds per scenario (default: 15; --quick: 4).")
  Integer seconds;

  @Option(names = "--frames", description = "Frames per stream (default: ${DEFAULT-VALUE}).")
  int frames = 200;

  @Option(
      names = "--frame-gap-us",
      description = "Microseconds between frames (default: ${DEFAULT-VALUE}).")
  long frameGapMicros = 20_000;

  @Option(
      names = "--streams",
      split = ",",
      description =
          "Concurrent streams per streaming scenario (default: 1,100,1000; --quick: 1000).")
  List<Integer> streams;

  @Option(
      names = "--proxy-jvm-option",
      paramLabel = "OPTION",
      description = {
        "An extra JVM option for the infertrace variants (repeatable), e.g. a profiler:",
        "-XX:StartFlightRecording=filename=ingress.jfr,settings=profile,dumponexit=true; a"
            + " collector (-XX:+UseZGC, -XX:+UseParallelGC) replaces the image's -XX:+UseSerialGC.",
        "The proxies run with the image's JVM flags under -XX:MaxRAM=512m (the sidecar's limit)."
      })
  List<String> proxyJvmOptions = new ArrayList<>();

  @Option(
      names = "--out",
      description = "Also write the tables here, as Markdown (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("bench-results.md");

  /** What one variant did. */
  static final class Result {
    Histogram serial;
    Histogram fixedRate;
    double rate;
    double spansPerRequest = Double.NaN;
    double satReqPerSec;
    double satCpuPerReq = Double.NaN;
    final Map<Integer, Histogram> firstFrame = new LinkedHashMap<>();
    final Map<Integer, Histogram> gap = new LinkedHashMap<>();
    final Map<Integer, Double> frameCpu = new LinkedHashMap<>();

    /** CPU per frame while the streams flow: from 1 s into the scenario to 1 s before its end. */
    final Map<Integer, Double> frameCpuFlowing = new LinkedHashMap<>();

    /** The peak resident set while each streaming scenario ran (its peak reset at its start). */
    final Map<Integer, Double> rssMb = new LinkedHashMap<>();

    /**
     * The peak resident set of the whole run up to the end of each streaming scenario: warm-up and
     * the other scenarios included, where the JIT compiler's arenas make the largest short peaks.
     */
    final Map<Integer, Double> runRssMb = new LinkedHashMap<>();

    long failed;
  }

  @Override
  public Integer call() throws Exception {
    int secs = seconds != null ? seconds : quick ? 4 : 15;
    List<Integer> streamCounts =
        streams != null ? streams : quick ? List.of(1000) : List.of(1, 100, 1000);
    dev.infertrace.testbed.peers.PeerHome peers =
        dev.infertrace.testbed.peers.PeerHome.fromEnvironment();
    Path litellm = peers.find(dev.infertrace.testbed.peers.Peer.LITELLM);
    if (variants == null) {
      variants = new ArrayList<>(List.of("direct", "nginx", "haproxy", "ingress", "worker"));
      if (!quick && litellm != null) {
        variants.add("litellm");
      }
    }
    for (String v : variants) {
      if (!List.of("direct", "nginx", "haproxy", "ingress", "worker", "litellm").contains(v)) {
        throw new ParameterException(
            spec.commandLine(),
            "unknown variant '" + v + "' (direct, nginx, haproxy, ingress, worker, litellm)");
      }
    }
    if (variants.contains("litellm") && litellm == null) {
      throw new ParameterException(
          spec.commandLine(), peers.missingMessage(dev.infertrace.testbed.peers.Peer.LITELLM));
    }
    String home =
        System.getenv().getOrDefault("INFERTRACE_HOME", System.getProperty("infertrace.home", "."));
    Path jar = Path.of(home, "gateway-proxy/target/infertrace-gateway-proxy.jar");
    if ((variants.contains("ingress") || variants.contains("worker")) && !Files.exists(jar)) {
      throw new ParameterException(
          spec.commandLine(),
          jar
              + " is missing: build it (./mvnw -q -DskipTests package) or run through ./infertrace");
    }
    PrintWriter o = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("infertrace-bench");
    Map<String, Result> results = new LinkedHashMap<>();
    try (BenchUpstream upstream = BenchUpstream.start(1, frames, frameGapMicros);
        OtlpSink sink = OtlpSink.counting();
        Sim twin = Sim.start(SimConfig.loopback("bench"))) {
      o.printf(
          "bench: upstream 127.0.0.1:%d (JSON; SSE %d frames every %d µs), %d s per scenario,"
              + " work dir %s%n",
          upstream.port(), frames, frameGapMicros, secs, dir);
      o.flush();
      load(URI.create("http://127.0.0.1:" + upstream.port()), 8, 3, false); // warm the load tool
      load(URI.create("http://127.0.0.1:" + upstream.port()), 100, 2, true);
      // nginx first: the fixed-rate scenario runs at half of its saturation throughput.
      List<String> order = new ArrayList<>(variants);
      if (order.remove("nginx")) {
        order.add(0, "nginx");
      }
      for (String name : order) {
        Variant v =
            switch (name) {
              case "direct" -> Variant.direct(upstream.port());
              case "nginx" -> Variant.nginx(dir, upstream.port());
              case "haproxy" -> Variant.haproxy(dir, upstream.port());
              case "litellm" -> Variant.litellm(dir, litellm, upstream.port());
              case "ingress" ->
                  Variant.infertrace(
                      "ingress",
                      dir,
                      jar,
                      upstream.port(),
                      sink.grpcEndpoint(),
                      null,
                      null,
                      proxyJvmOptions);
              default ->
                  Variant.infertrace(
                      "worker",
                      dir,
                      jar,
                      upstream.port(),
                      sink.grpcEndpoint(),
                      twin.baseUrl() + "/metrics",
                      "http://127.0.0.1:" + twin.dcgmAddress().getPort() + "/metrics",
                      proxyJvmOptions);
            };
        try (v) {
          Result nginx = results.get("nginx");
          results.put(name, measure(v, secs, streamCounts, o, nginx, sink));
        }
      }
      o.printf("bench: the OTLP sink received %d spans%n", sink.spanCount());
    }
    Map<String, Result> ordered = new LinkedHashMap<>();
    for (String v : variants) {
      ordered.put(v, results.get(v));
    }
    results = ordered;
    String report = report(results, streamCounts);
    o.print(report);
    Files.writeString(out, report);
    o.printf("bench: tables written to %s%n", out.toAbsolutePath());
    if (quick) {
      o.println(summaryLine(results, streamCounts));
    }
    o.flush();
    return 0;
  }

  private Result measure(
      Variant v,
      int secs,
      List<Integer> streamCounts,
      PrintWriter o,
      @javax.annotation.Nullable Result nginx,
      OtlpSink sink)
      throws Exception {
    Result r = new Result();
    URI url = URI.create("http://127.0.0.1:" + v.port);
    warmUp(v, url, streamCounts, o);
    progress(o, v, "one request at a time", secs);
    r.serial = load(url, 1, secs, false).totals().e2e();
    progress(o, v, "saturation, 64 connections", secs);
    double cpu0 = v.pid() > 0 ? ProcTree.cpuMicros(v.pid()) : 0;
    long t0 = System.nanoTime();
    LoadStats sat = load(url, 64, secs, false);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    r.satReqPerSec = sat.ok() / elapsed;
    if (v.pid() > 0 && sat.ok() > 0) {
      r.satCpuPerReq = (ProcTree.cpuMicros(v.pid()) - cpu0) / sat.ok();
    }
    r.failed += sat.failed();
    r.rate = Math.max(10, (nginx != null ? nginx.satReqPerSec : r.satReqPerSec) / 2);
    progress(o, v, String.format(Locale.ROOT, "fixed rate %.0f req/s (open loop)", r.rate), secs);
    Thread.sleep(1500); // spans of the saturation run are exported before counting
    long spans0 = sink.spanCount();
    LoadStats fixed = loadAtRate(url, r.rate, secs);
    Thread.sleep(1500);
    r.fixedRate = fixed.totals().e2e();
    r.failed += fixed.failed();
    if (v.name.startsWith("infertrace") && fixed.ok() > 0) {
      r.spansPerRequest = (double) (sink.spanCount() - spans0) / fixed.ok();
    }
    for (int n : streamCounts) {
      if (v.name.equals("litellm") && n > LITELLM_MAX_STREAMS) {
        o.printf("bench: %-18s %d streams skipped (over %d)%n", v.name, n, LITELLM_MAX_STREAMS);
        continue;
      }
      progress(o, v, n + " concurrent streams", secs);
      double c0 = v.pid() > 0 ? ProcTree.cpuMicros(v.pid()) : 0;
      double runPeak = v.pid() > 0 ? ProcTree.peakRssMb(v.pid()) : Double.NaN;
      boolean scenarioPeak = v.pid() > 0 && ProcTree.resetPeakRss(v.pid());
      FlowingWindow flowing = new FlowingWindow(v.pid(), secs);
      LoadStats s = load(url, n, secs, true, flowing);
      LoadStats.Interval t = s.totals();
      r.firstFrame.put(n, t.ttft());
      r.gap.put(n, t.itl());
      r.failed += s.failed();
      if (v.pid() > 0 && s.chunks() > 0) {
        r.frameCpu.put(n, (ProcTree.cpuMicros(v.pid()) - c0) / s.chunks());
        r.frameCpuFlowing.put(n, flowing.cpuPerChunk());
        double peak = ProcTree.peakRssMb(v.pid());
        r.rssMb.put(n, scenarioPeak ? peak : Double.NaN);
        r.runRssMb.put(n, Math.max(runPeak, peak));
      }
    }
    return r;
  }

  /**
   * Unmeasured load until the proxy is warm: rounds of saturation, streams and single requests; for
   * a JVM, until its JIT compiler threads used under {@value #WARM_JIT_SHARE} of a core in a round
   * (at most {@value #MAX_WARM_ROUNDS} rounds) — compilation during a measured scenario takes CPU
   * from it and shows as latency tail and CPU per request that a warm proxy does not have.
   */
  private void warmUp(Variant v, URI url, List<Integer> streamCounts, PrintWriter o)
      throws InterruptedException {
    boolean jvm = v.name.startsWith("infertrace") && v.pid() > 0;
    // As many streams as the largest scenario opens at once: its burst of connections, requests and
    // spans is compiled before it is measured (with 100, the JIT was still at a quarter of a core
    // in
    // the 1000-stream scenario after --quick's three rounds, compiling the connect path).
    int streams = streamCounts.get(streamCounts.size() - 1);
    for (int round = 1; ; round++) {
      double jit0 = jvm ? ProcTree.jitCpuMicros(v.pid()) : 0;
      long t0 = System.nanoTime();
      load(url, 64, quick ? 1 : 2, false);
      load(url, streams, 1, true);
      load(url, 1, 1, false);
      if (!jvm) {
        return;
      }
      double share = (ProcTree.jitCpuMicros(v.pid()) - jit0) / ((System.nanoTime() - t0) / 1e3);
      o.printf(
          Locale.ROOT,
          "bench: %-18s warm-up round %d: JIT compiler %.0f %% of a core%n",
          v.name,
          round,
          share * 100);
      o.flush();
      if (share < WARM_JIT_SHARE || round >= MAX_WARM_ROUNDS) {
        return;
      }
    }
  }

  /** A round of warm-up is the last when the JIT used less than this share of a core in it. */
  static final double WARM_JIT_SHARE = 0.03;

  /**
   * At most this many rounds, {@code --quick} too: a --quick round is 3 s, and after 3 of them the
   * ingress's JIT still used 15-23 % of a core, which the measured scenarios then counted (about 17
   * µs per request at saturation); it fell under 3 % after 6-9.
   */
  static final int MAX_WARM_ROUNDS = 10;

  private static void progress(PrintWriter o, Variant v, String what, int secs) {
    o.printf("bench: %-18s %s, %d s%n", v.name, what, secs);
    o.flush();
  }

  private LoadStats load(URI url, int concurrency, int secs, boolean stream)
      throws InterruptedException {
    return load(url, concurrency, secs, stream, null);
  }

  /**
   * The CPU a process used per frame between the progress reports at 1 s and at {@code secs} − 1 s
   * of a streaming scenario: the frames of streams already open, without their opening (a
   * connection, a request and its span per stream, all at once) or their ends. NaN when the
   * scenario is too short to have such a window.
   */
  static final class FlowingWindow {
    private final long pid;
    private final long toNanos;
    private double cpu0 = Double.NaN;
    private double cpu1 = Double.NaN;
    private long chunks0;
    private long chunks1;

    FlowingWindow(long pid, int secs) {
      this.pid = pid;
      this.toNanos = (secs - 1) * 1_000_000_000L;
    }

    void onProgress(Duration elapsed, long chunks) {
      if (pid <= 0 || elapsed.toNanos() < 1_000_000_000L || elapsed.toNanos() > toNanos) {
        return;
      }
      if (Double.isNaN(cpu0)) {
        cpu0 = ProcTree.cpuMicros(pid);
        chunks0 = chunks;
      } else {
        cpu1 = ProcTree.cpuMicros(pid);
        chunks1 = chunks;
      }
    }

    double cpuPerChunk() {
      return Double.isNaN(cpu1) || chunks1 <= chunks0
          ? Double.NaN
          : (cpu1 - cpu0) / (chunks1 - chunks0);
    }
  }

  private LoadStats load(
      URI url, int concurrency, int secs, boolean stream, @Nullable FlowingWindow flowing)
      throws InterruptedException {
    LoadGenerator g =
        new LoadGenerator(
            new LoadConfig(
                url,
                "bench",
                concurrency,
                Duration.ofSeconds(secs),
                0,
                20,
                0,
                frames,
                frames,
                stream,
                7),
            1);
    LoadStats s =
        g.run(
            elapsed -> {
              if (flowing != null) {
                flowing.onProgress(elapsed, g.stats().chunks());
              }
            });
    s.interval();
    return s;
  }

  private LoadStats loadAtRate(URI url, double rate, int secs) throws InterruptedException {
    LoadGenerator g =
        new LoadGenerator(
                new LoadConfig(
                    url, "bench", 64, Duration.ofSeconds(secs), 0, 20, 0, frames, frames, false, 7),
                1)
            .withRate(rate);
    LoadStats s = g.run(elapsed -> {});
    s.interval();
    return s;
  }

  // ---- report ---------------------------------------------------------------------------------

  private static double pct(Histogram h, double p) {
    return h == null || h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(p);
  }

  private static String f(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
  }

  private static String r(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static double added(Map<String, Result> rs, String v, double p) {
    Result d = rs.get("direct");
    Result x = rs.get(v);
    return d == null || x == null ? Double.NaN : pct(x.serial, p) - pct(d.serial, p);
  }

  String report(Map<String, Result> rs, List<Integer> streamCounts) {
    StringBuilder b = new StringBuilder();
    Result nginx = rs.get("nginx");
    b.append("\n### One request at a time: added latency (variant − direct), µs\n\n");
    b.append(
        "| variant | p50 | p99 | p99.9 | p50 ÷ nginx | p99 ÷ nginx |\n|---|---|---|---|---|---|\n");
    for (String v : rs.keySet()) {
      double a50 = added(rs, v, 50);
      double a99 = added(rs, v, 99);
      b.append(
          String.format(
              "| %s | %s | %s | %s | %s | %s |%n",
              v,
              f(a50),
              f(a99),
              f(added(rs, v, 99.9)),
              r(a50 / added(rs, "nginx", 50)),
              r(a99 / added(rs, "nginx", 99))));
    }
    b.append("\n### Fixed rate (open loop, half of nginx's saturation): added latency, µs\n\n");
    b.append(
        "| variant | rate req/s | p50 | p99 | p99.9 | p50 ÷ nginx | p99 ÷ nginx | spans per request |\n|---|---|---|---|---|---|---|---|\n");
    Result dr = rs.get("direct");
    for (var e : rs.entrySet()) {
      Result x = e.getValue();
      double a50 = dr == null ? Double.NaN : pct(x.fixedRate, 50) - pct(dr.fixedRate, 50);
      double a99 = dr == null ? Double.NaN : pct(x.fixedRate, 99) - pct(dr.fixedRate, 99);
      double a999 = dr == null ? Double.NaN : pct(x.fixedRate, 99.9) - pct(dr.fixedRate, 99.9);
      double n50 =
          dr == null || nginx == null
              ? Double.NaN
              : pct(nginx.fixedRate, 50) - pct(dr.fixedRate, 50);
      double n99 =
          dr == null || nginx == null
              ? Double.NaN
              : pct(nginx.fixedRate, 99) - pct(dr.fixedRate, 99);
      b.append(
          String.format(
              "| %s | %s | %s | %s | %s | %s | %s | %s |%n",
              e.getKey(),
              f(x.rate),
              f(a50),
              f(a99),
              f(a999),
              r(a50 / n50),
              r(a99 / n99),
              r(x.spansPerRequest)));
    }
    b.append("\n### Saturation, 64 connections\n\n");
    b.append(
        "| variant | req/s | ÷ nginx | CPU µs/request | ÷ nginx | failed |\n|---|---|---|---|---|---|\n");
    for (var e : rs.entrySet()) {
      Result x = e.getValue();
      b.append(
          String.format(
              "| %s | %s | %s | %s | %s | %d |%n",
              e.getKey(),
              f(x.satReqPerSec),
              r(nginx == null ? Double.NaN : x.satReqPerSec / nginx.satReqPerSec),
              r(x.satCpuPerReq),
              r(nginx == null ? Double.NaN : x.satCpuPerReq / nginx.satCpuPerReq),
              x.failed));
    }
    for (int n : streamCounts) {
      b.append("\n### ").append(n).append(" concurrent streams\n\n");
      b.append(
          "| variant | first frame p50 / p99 µs | added p50 / p99 | frame gap p50 / p99 µs | CPU µs/frame | CPU µs/frame, flowing | peak RSS MB | peak RSS MB, whole run |\n|---|---|---|---|---|---|---|---|\n");
      Result d = rs.get("direct");
      for (var e : rs.entrySet()) {
        Result x = e.getValue();
        Histogram ff = x.firstFrame.get(n);
        Histogram g = x.gap.get(n);
        Histogram dff = d == null ? null : d.firstFrame.get(n);
        b.append(
            String.format(
                "| %s | %s / %s | %s / %s | %s / %s | %s | %s | %s | %s |%n",
                e.getKey(),
                f(pct(ff, 50)),
                f(pct(ff, 99)),
                f(pct(ff, 50) - pct(dff, 50)),
                f(pct(ff, 99) - pct(dff, 99)),
                f(pct(g, 50)),
                f(pct(g, 99)),
                r(x.frameCpu.getOrDefault(n, Double.NaN)),
                r(x.frameCpuFlowing.getOrDefault(n, Double.NaN)),
                r(x.rssMb.getOrDefault(n, Double.NaN)),
                r(x.runRssMb.getOrDefault(n, Double.NaN))));
      }
    }
    return b.append('\n').toString();
  }

  static String summaryLine(Map<String, Result> rs, List<Integer> streamCounts) {
    Result in = rs.get("ingress");
    Result ng = rs.get("nginx");
    int big = streamCounts.get(streamCounts.size() - 1);
    List<String> parts = new ArrayList<>();
    parts.add("added_p50_ratio=" + r(added(rs, "ingress", 50) / added(rs, "nginx", 50)));
    parts.add("added_p99_ratio=" + r(added(rs, "ingress", 99) / added(rs, "nginx", 99)));
    parts.add(
        "throughput_ratio="
            + r(in == null || ng == null ? Double.NaN : in.satReqPerSec / ng.satReqPerSec));
    parts.add(
        "frame_cpu_us=" + r(in == null ? Double.NaN : in.frameCpu.getOrDefault(big, Double.NaN)));
    parts.add(
        "rss_mb_"
            + big
            + "="
            + r(in == null ? Double.NaN : in.rssMb.getOrDefault(big, Double.NaN)));
    parts.add(
        "frame_cpu_flowing_us="
            + r(in == null ? Double.NaN : in.frameCpuFlowing.getOrDefault(big, Double.NaN)));
    parts.add(
        "rss_mb_run=" + r(in == null ? Double.NaN : in.runRssMb.getOrDefault(big, Double.NaN)));
    return String.join(" ", parts);
  }
}
