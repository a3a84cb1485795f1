package dev.infertrace.load;

import java.io.PrintWriter;
import java.util.Locale;

/** The run's figures as a text table, one block per step, for the terminal. */
final class SummaryTable {
  private SummaryTable() {}

  static void print(Benchmark.Result result, PrintWriter out) {
    for (StepSummary s : result.steps()) {
      out.printf(
          Locale.ROOT,
          "step %d: %s %s  window %.1fs  %d ok  %d failed%s%n",
          s.index(),
          s.shape(),
          LoadCommand.trim(s.target()),
          s.windowSeconds(),
          s.ok(),
          s.failed(),
          s.errors().isEmpty() ? "" : "  errors " + s.errors());
      out.printf(
          Locale.ROOT,
          "  %.2f req/s  %.1f output tok/s  %.1f total tok/s  concurrency held %.2f%s%n",
          s.requestsPerSecond(),
          s.outputTokensPerSecond(),
          s.totalTokensPerSecond(),
          s.concurrency(),
          s.goodput() == null
              ? ""
              : String.format(
                  Locale.ROOT,
                  "  goodput %.2f req/s (%.1f%%)",
                  s.goodput(),
                  100 * s.goodputRatio()));
      out.printf(
          Locale.ROOT,
          "  %-5s %9s %9s %9s %9s %9s %9s%n",
          "ms",
          "mean",
          "p50",
          "p90",
          "p95",
          "p99",
          "max");
      line(out, "TTFT", s.ttft());
      line(out, "TPOT", s.tpot());
      line(out, "ITL", s.itl());
      line(out, "E2E", s.e2e());
    }
  }

  private static void line(PrintWriter out, String name, Distribution d) {
    if (d.count() == 0) {
      out.printf(Locale.ROOT, "  %-5s %9s%n", name, "-");
      return;
    }
    out.printf(
        Locale.ROOT,
        "  %-5s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f%n",
        name,
        d.mean(),
        d.p50(),
        d.p90(),
        d.p95(),
        d.p99(),
        d.max());
  }
}
