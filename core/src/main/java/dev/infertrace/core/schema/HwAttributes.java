package dev.infertrace.core.schema;

/** Hardware attributes (OpenTelemetry {@code hw.*} conventions). */
public final class HwAttributes {
  private HwAttributes() {}

  /**
   * The GPUs a span's work ran on, as a <b>string array</b> of GPU UUIDs (DCGM's {@code UUID}
   * label). The semantic convention's {@code hw.id} is one id; a request runs on every GPU of its
   * engine (tensor parallelism), so we record the list. Written as an array by the worker and by
   * the javaagent extension alike.
   */
  public static final String ID = "hw.id";
}
