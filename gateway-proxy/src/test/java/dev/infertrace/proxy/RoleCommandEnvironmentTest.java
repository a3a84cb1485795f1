package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** INFERTRACE_* variables as an operator sets them, read by a child JVM's role commands. */
class RoleCommandEnvironmentTest {
  @TempDir Path tmp;

  private static ProcessBuilder proxyMain(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ProxyMain.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("INFERTRACE_") || k.startsWith("OTEL_"));
    pb.environment().putAll(env);
    return pb;
  }

  @Test
  void theHelpShowsDefaultsTakenFromTheEnvironment() throws Exception {
    Process p =
        proxyMain(
                Map.of("INFERTRACE_CONNECT_TIMEOUT", "7s", "INFERTRACE_IO_THREADS", "3"),
                "worker",
                "--help")
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("502 after (default: 7s)").contains("Event-loop threads (default: 3)");
  }

  @Test
  void eppServesItsAdminEndpointsWhereInfertraceAdminSays() throws Exception {
    // Port 0: the child binds a free one and names it; a port picked here and freed before the
    // child starts could be taken meanwhile (by any outgoing connection on a busy machine).
    Process p =
        proxyMain(
                Map.of(
                    "INFERTRACE_LISTEN",
                    "127.0.0.1:0",
                    "INFERTRACE_UPSTREAM",
                    "127.0.0.1:9",
                    "INFERTRACE_ADMIN",
                    "127.0.0.1:0",
                    "INFERTRACE_TRACE_FILE",
                    tmp.resolve("epp.jsonl").toString()),
                "epp")
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      StringBuilder seen = new StringBuilder();
      String line;
      while ((line = out.readLine()) != null && !line.contains("/ready on")) {
        seen.append(line).append('\n');
      }
      // Off unless INFERTRACE_ADMIN names an address: the line is there only if it was read.
      assertThat(line).as(seen.toString()).isNotNull().contains("on http://127.0.0.1:");
      java.util.regex.Matcher bound =
          java.util.regex.Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)").matcher(line);
      assertThat(bound.find()).as(line).isTrue();
      int admin = Integer.parseInt(bound.group(1));
      assertThat(admin).isPositive();
      assertThat(seen.toString()).contains("epp: ext_proc on 127.0.0.1:");
      HttpResponse<String> ready =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
    } finally {
      p.destroy(); // SIGTERM: the shutdown hook closes the runtime
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
  }
}
