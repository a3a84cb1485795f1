package dev.infertrace.explain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.explain.trace.Loopback;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** explain's options: one source, a trace id or a window, and errors that name the flag. */
class ExplainMainTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = ExplainMain.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  static final String ID = "0af7651916cd43dd8448eb211c80319c";

  static final String INGRESS_LINE =
      "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
          + "\"value\":{\"stringValue\":\"infertrace-ingress\"}}]},\"scopeSpans\":[{\"spans\":[{"
          + "\"traceId\":\""
          + ID
          + "\",\"spanId\":\"b7b3b7b8714d0ddc\",\"name\":\"chat m\",\"kind\":2,"
          + "\"startTimeUnixNano\":\"1000000000000\",\"endTimeUnixNano\":\"1000250000000\","
          + "\"attributes\":[{\"key\":\"infertrace.role\",\"value\":{\"stringValue\":\"ingress\"}},"
          + "{\"key\":\"llm.segment.request_read\",\"value\":{\"doubleValue\":0.01}}]}]}]}]}";

  @Test
  void exactlyOneSourceIsRequired() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString()).contains("--file", "--jaeger", "--tempo");

    assertThat(run("--file", "x.jsonl", "--jaeger", "http://localhost:16686")).isEqualTo(2);
    assertThat(err.toString()).contains("mutually exclusive");
  }

  @Test
  void aServerSourceNeedsATraceIdOrAWindow() {
    assertThat(run("--jaeger", "http://localhost:16686")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--jaeger needs --trace ID, or a window: --since DURATION, or --from TIME");
  }

  @Test
  void badValuesAreErrorsNamingTheirFlag() {
    String[][] cases = {
      {"--since must be a positive duration", "--tempo", "http://h:3200", "--since", "ten"},
      {
        "--since and --from/--to exclude each other",
        "--tempo",
        "http://h:3200",
        "--since",
        "1m",
        "--from",
        "2026-12-02T12:00:00Z"
      },
      {"--to needs --from", "--tempo", "http://h:3200", "--to", "2026-12-02T12:00:00Z"},
      {
        "--from 2026-12-02T12:00:00Z must be before --to 2026-12-02T11:00:00Z",
        "--tempo",
        "http://h:3200",
        "--from",
        "2026-12-02T12:00:00Z",
        "--to",
        "2026-12-02T11:00:00Z"
      },
      {"--from must be an ISO 8601 time", "--tempo", "http://h:3200", "--from", "yesterday"},
      {"--trace and a window", "--tempo", "http://h:3200", "--since", "1m", "--trace", ID},
      {"--trace must be 32 hex digits", "--jaeger", "http://h:16686", "--trace", "xyz"},
      {"--limit must be at least 1", "--jaeger", "http://h:16686", "--since", "1m", "--limit", "0"},
      {"--jaeger must be an http(s) URL", "--jaeger", "localhost:16686", "--trace", ID},
      {"--file nope.jsonl: no such file", "--file", "nope.jsonl"},
    };
    for (String[] c : cases) {
      StringWriter e = new StringWriter();
      CommandLine cli = ExplainMain.commandLine();
      cli.setErr(new PrintWriter(e, true));
      int exit = cli.execute(java.util.Arrays.copyOfRange(c, 1, c.length));
      assertThat(exit).as(String.join(" ", c)).isEqualTo(2);
      assertThat(e.toString()).as(String.join(" ", c)).contains(c[0]);
    }
  }

  @Test
  void anUnreachableStoreIsAnErrorNamingTheFlagAndTheUrl() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }

    assertThat(run("--jaeger", "http://127.0.0.1:" + port, "--since", "10m")).isEqualTo(2);

    assertThat(err.toString())
        .contains(
            "--jaeger: cannot read traces from Jaeger at http://127.0.0.1:"
                + port
                + "/api/v3/traces?query.service_name=infertrace-ingress&query.start_time_min=")
        .contains(": connection refused");
  }

  @Test
  void explainsATraceReadFromTempo() throws Exception {
    try (Loopback tempo = new Loopback()) {
      tempo.answer(
          "/api/v2/traces/" + ID,
          Loopback.Answer.ok(
              "{\"trace\":" + INGRESS_LINE.replace(ID, "CvdlGRbNQ92ESOshHIAxnA==") + "}"));

      assertThat(run("--tempo", tempo.base().toString(), "--trace", ID.toUpperCase())).isZero();
      assertThat(out.toString()).startsWith("trace " + ID + " — 0.250 s");

      tempo.answer(
          "/api/v2/traces/" + "1".repeat(32), new Loopback.Answer(404, "trace not found", 0));
      assertThat(run("--tempo", tempo.base().toString(), "--trace", "1".repeat(32))).isEqualTo(1);
      assertThat(err.toString())
          .contains("no request with trace id " + "1".repeat(32) + " in Tempo at " + tempo.base());
    }
  }

  @Test
  void aWindowOfTheTraceFile() throws Exception {
    Path f = dir.resolve("t.jsonl");
    Files.writeString(f, INGRESS_LINE + "\n");

    assertThat(
            run(
                "--file",
                f.toString(),
                "--from",
                "1970-01-01T00:16:39Z",
                "--to",
                "1970-01-01T00:16:41+00:00",
                "--json"))
        .isZero();
    assertThat(out.toString()).contains("\"traceId\":\"" + ID + "\"");

    out.getBuffer().setLength(0);
    assertThat(run("--file", f.toString(), "--since", "10m", "--json")).isZero();
    assertThat(out.toString()).contains("\"requests\":[]");
  }

  @Test
  void htmlWritesThePageOfTheTraceAndAnIndex() throws Exception {
    Path f = dir.resolve("t.jsonl");
    Files.writeString(f, INGRESS_LINE + "\n");

    assertThat(run("--file", f.toString(), "--trace", ID, "--html", dir.resolve("p").toString()))
        .isZero();

    assertThat(err.toString()).contains("explain: wrote 1 trace page(s) and index.html to ");
    assertThat(Files.readString(dir.resolve("p/" + ID + ".html")))
        .contains("<h1>trace <code>" + ID + "</code></h1>")
        .contains("data-total-ms=\"250.000000\"");
    assertThat(Files.readString(dir.resolve("p/index.html"))).contains(ID + ".html");

    // a directory that cannot be made is a clear error, not a stack trace or the usage
    Files.writeString(dir.resolve("file"), "");
    err.getBuffer().setLength(0);
    assertThat(run("--file", f.toString(), "--html", dir.resolve("file/p").toString()))
        .isEqualTo(1);
    assertThat(err.toString())
        .startsWith("explain: --html " + dir.resolve("file/p") + ": cannot write the pages there")
        .doesNotContain("Usage");

    err.getBuffer().setLength(0);
    assertThat(run("--file", f.toString(), "--html", "x", "--html-limit", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--html-limit must be at least 1, not 0");
  }
}
