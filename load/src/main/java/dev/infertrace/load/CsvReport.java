package dev.infertrace.load;

import java.io.IOException;
import java.io.Writer;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.annotation.Nullable;

/** CSV outputs of a run: one row per request, and one row per step. Milliseconds. */
public final class CsvReport {
  private CsvReport() {}

  public static void requests(Benchmark.Result result, Writer out) throws IOException {
    out.write(
        "step,id,phase,trace_id,start_ms,end_ms,ttft_ms,tpot_ms,e2e_ms,itl_mean_ms,itl_p99_ms,"
            + "input_tokens,output_tokens,status,error\n");
    for (RequestRecord r : result.requests()) {
      Distribution itl = Distribution.of(r.itlMs());
      out.write(
          String.join(
                  ",",
                  Integer.toString(r.step()),
                  Long.toString(r.id()),
                  r.phase(),
                  r.traceId(),
                  num(r.startMs()),
                  num(r.endMs()),
                  num(r.ttftMs()),
                  num(r.tpotMs()),
                  num(r.e2eMs()),
                  itl.count() == 0 ? "" : num(itl.mean()),
                  itl.count() == 0 ? "" : num(itl.p99()),
                  Integer.toString(r.inputTokens()),
                  Integer.toString(r.outputTokens()),
                  Integer.toString(r.status()),
                  r.error() == null ? "" : r.error())
              + "\n");
    }
  }

  public static void steps(Benchmark.Result result, Writer out) throws IOException {
    StringBuilder header =
        new StringBuilder(
            "step,shape,target,window_s,duration_s,requests,ok,failed,concurrency,requests_per_s,"
                + "output_tokens_per_s,total_tokens_per_s,goodput_per_s,goodput_ratio");
    for (String m : new String[] {"ttft", "tpot", "itl", "e2e"}) {
      for (String s : new String[] {"mean", "p50", "p90", "p95", "p99"}) {
        header.append(',').append(m).append('_').append(s).append("_ms");
      }
    }
    out.write(header.append(",errors\n").toString());
    for (StepSummary s : result.steps()) {
      StringBuilder row =
          new StringBuilder()
              .append(s.index())
              .append(',')
              .append(s.shape())
              .append(',')
              .append(num(s.target()))
              .append(',')
              .append(num(s.windowSeconds()))
              .append(',')
              .append(num(s.durationSeconds()))
              .append(',')
              .append(s.requests())
              .append(',')
              .append(s.ok())
              .append(',')
              .append(s.failed())
              .append(',')
              .append(num(s.concurrency()))
              .append(',')
              .append(num(s.requestsPerSecond()))
              .append(',')
              .append(num(s.outputTokensPerSecond()))
              .append(',')
              .append(num(s.totalTokensPerSecond()))
              .append(',')
              .append(num(s.goodput()))
              .append(',')
              .append(num(s.goodputRatio()));
      for (Distribution d : new Distribution[] {s.ttft(), s.tpot(), s.itl(), s.e2e()}) {
        for (double v : new double[] {d.mean(), d.p50(), d.p90(), d.p95(), d.p99()}) {
          row.append(',').append(num(v));
        }
      }
      row.append(',')
          .append(
              s.errors().entrySet().stream()
                  .map(e -> e.getKey() + "=" + e.getValue())
                  .collect(Collectors.joining(";")));
      out.write(row.append('\n').toString());
    }
  }

  private static String num(@Nullable Double v) {
    return v == null ? "" : String.format(Locale.ROOT, "%.3f", v);
  }
}
