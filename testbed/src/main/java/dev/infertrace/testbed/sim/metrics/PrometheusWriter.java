package dev.infertrace.testbed.sim.metrics;

/**
 * Prometheus text format 0.0.4 output, with numbers printed as Python's prometheus_client prints
 * them ({@code 7.0}, {@code 0.001}, {@code +Inf}), so that the twin's page reads like vLLM's.
 */
final class PrometheusWriter {
  private final StringBuilder out;

  PrometheusWriter(StringBuilder out) {
    this.out = out;
  }

  void family(String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  void sample(String name, String labels, double value) {
    out.append(name).append('{').append(labels).append("} ").append(number(value)).append('\n');
  }

  static String number(double v) {
    if (v == Double.POSITIVE_INFINITY) {
      return "+Inf";
    }
    if (v == Double.NEGATIVE_INFINITY) {
      return "-Inf";
    }
    if (Double.isNaN(v)) {
      return "NaN";
    }
    return Double.toString(v);
  }

  /** {@code value} escaped for a label value (backslash, quote, newline). */
  static String escape(String value) {
    return dev.infertrace.core.metrics.PrometheusText.escapeLabelValue(value);
  }
}
