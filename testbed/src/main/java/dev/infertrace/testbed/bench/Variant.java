package dev.infertrace.testbed.bench;

import dev.infertrace.testbed.peers.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;

/**
 * One thing the benchmark measures, between the load and the upstream: nothing ({@code direct}), or
 * a proxy in its own process on a free loopback port, each with one worker thread or process so
 * that the comparison is per core.
 */
final class Variant implements AutoCloseable {
  final String name;
  final int port;
  @Nullable private final Process process;
  private final Path log;

  private Variant(String name, int port, @Nullable Process process, Path log) {
    this.name = name;
    this.port = port;
    this.process = process;
    this.log = log;
  }

  /** The process to account CPU and memory to (its descendants included), or -1 for direct. */
  long pid() {
    return process == null ? -1 : process.pid();
  }

  static Variant direct(int upstream) {
    return new Variant("direct", upstream, null, Path.of("/dev/null"));
  }

  static Variant nginx(Path dir, int upstream) throws Exception {
    int port = LoopbackPorts.next();
    Path conf = dir.resolve("nginx.conf");
    Files.createDirectories(dir.resolve("nginx-tmp"));
    Files.writeString(
        conf,
        String.join(
            "\n",
            "worker_processes 1;",
            "daemon off;",
            "pid " + dir.resolve("nginx.pid") + ";",
            "error_log " + dir.resolve("nginx-error.log") + " warn;",
            "events { worker_connections 8192; }",
            "http {",
            "  access_log off;",
            "  client_body_temp_path " + dir.resolve("nginx-tmp") + ";",
            "  proxy_temp_path " + dir.resolve("nginx-tmp") + ";",
            "  upstream up { server 127.0.0.1:" + upstream + "; keepalive 256; }",
            "  server {",
            "    listen 127.0.0.1:" + port + ";",
            "    keepalive_requests 1000000;",
            "    location / {",
            "      proxy_pass http://up;",
            "      proxy_http_version 1.1;",
            "      proxy_set_header Connection \"\";",
            "      proxy_buffering off;",
            "      proxy_request_buffering off;",
            "    }",
            "  }",
            "}",
            ""));
    return start(
        "nginx",
        port,
        dir,
        List.of("nginx", "-e", "stderr", "-p", dir + "/", "-c", conf.toString()),
        Map.of());
  }

  static Variant haproxy(Path dir, int upstream) throws Exception {
    int port = LoopbackPorts.next();
    Path conf = dir.resolve("haproxy.cfg");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "global",
            "  nbthread 1",
            "  maxconn 8000",
            "defaults",
            "  mode http",
            "  timeout connect 5s",
            "  timeout client 120s",
            "  timeout server 120s",
            "  option http-keep-alive",
            // Without it HAProxy coalesces a chunked body's small writes (it waits for more
            // data): SSE frames arrive in bursts. The setting for streaming, as nginx's
            // proxy_buffering off.
            "  option http-no-delay",
            "frontend fe",
            "  bind 127.0.0.1:" + port,
            "  default_backend be",
            "backend be",
            "  http-reuse always",
            "  server s1 127.0.0.1:" + upstream + " maxconn 8000",
            ""));
    return start("haproxy", port, dir, List.of("haproxy", "-db", "-f", conf.toString()), Map.of());
  }

  /**
   * The LiteLLM proxy (one uvicorn worker) passing {@code bench} through to the upstream as an
   * OpenAI-compatible model; no cost-map download, errors-only logging.
   */
  static Variant litellm(Path dir, Path executable, int upstream) throws Exception {
    int port = LoopbackPorts.next();
    Path conf = dir.resolve("litellm.yaml");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "model_list:",
            "  - model_name: bench",
            "    litellm_params:",
            "      model: openai/bench",
            "      api_base: http://127.0.0.1:" + upstream + "/v1",
            "      api_key: none",
            ""));
    return start(
        "litellm",
        port,
        dir,
        List.of(
            executable.toString(),
            "--config",
            conf.toString(),
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--num_workers",
            "1"),
        Map.of("LITELLM_LOCAL_MODEL_COST_MAP", "True", "LITELLM_LOG", "ERROR"));
  }

  /**
   * The JVM flags the image starts the proxy with: Jib's {@code jvmFlags} in gateway-proxy/pom.xml,
   * but the ahead-of-time cache, which this JDK may not have ({@code ImageJvmFlagsTest} keeps the
   * two lists equal).
   */
  static final List<String> IMAGE_JVM_FLAGS =
      List.of(
          "-XX:MaxRAMPercentage=75",
          "-XX:InitialRAMPercentage=20",
          "-XX:+UseSerialGC",
          "-XX:TrimNativeHeapInterval=1000",
          "-XX:+ExitOnOutOfMemoryError",
          "-XX:-UsePerfData",
          "--enable-native-access=ALL-UNNAMED");

  /**
   * The memory the proxies' JVMs size themselves from: the sidecar's default limit ({@code
   * webhook.sidecar.resources.memoryLimit}, 512Mi), as a container's limit is seen by the JVM.
   */
  static final String SIDECAR_MEMORY = "-XX:MaxRAM=512m";

  /**
   * {@code infertrace ingress} or {@code worker} (the gateway-proxy jar) as the image runs it in a
   * sidecar's default limit ({@link #IMAGE_JVM_FLAGS}, {@link #SIDECAR_MEMORY}), tracing every
   * request and exporting OTLP to {@code otlp}; the worker also scrapes {@code engineMetrics} and
   * {@code dcgm} and receives vLLM's spans, as the injected sidecar does.
   */
  static Variant infertrace(
      String role,
      Path dir,
      Path jar,
      int upstream,
      String otlp,
      @Nullable String engineMetrics,
      @Nullable String dcgm,
      List<String> jvmOptions)
      throws Exception {
    int port = LoopbackPorts.next();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add(SIDECAR_MEMORY);
    // the image's collector unless a --proxy-jvm-option names another (two would not start)
    boolean ownCollector = jvmOptions.stream().anyMatch(Variant::namesCollector);
    IMAGE_JVM_FLAGS.stream().filter(f -> !(ownCollector && namesCollector(f))).forEach(cmd::add);
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", jar.toString(), role));
    cmd.addAll(
        List.of("--listen", "127.0.0.1:" + port, "--upstream", "http://127.0.0.1:" + upstream));
    if (role.equals("worker")) {
      // as the webhook injects it: vLLM's span receiver on, so every streamed request waits for
      // its engine span (which the bench's upstream never sends) as a sidecar's does when vLLM
      // exports no spans
      cmd.addAll(
          List.of(
              "--engine-metrics",
              engineMetrics,
              "--dcgm",
              dcgm,
              "--otlp-receiver",
              "127.0.0.1:" + LoopbackPorts.next(),
              "--otlp-receiver-http",
              "127.0.0.1:" + LoopbackPorts.next()));
    }
    return start(
        "infertrace-" + role,
        port,
        dir,
        cmd,
        Map.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT", otlp,
            "OTEL_TRACES_SAMPLER", "always_on",
            "OTEL_BSP_SCHEDULE_DELAY", "200")); // batch and queue sizes: the proxy's defaults
  }

  private static boolean namesCollector(String jvmOption) {
    return jvmOption.matches("-XX:\\+Use\\w*GC");
  }

  private static Variant start(
      String name, int port, Path dir, List<String> cmd, Map<String, String> env) throws Exception {
    Path log = dir.resolve(name + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException(name + " exited at start; its log " + log + ":\n" + tail(log));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return new Variant(name, port, p, log);
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    p.destroyForcibly();
    throw new IOException(name + " did not listen on " + port + " within 30 s; log " + log);
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    if (process != null) {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
