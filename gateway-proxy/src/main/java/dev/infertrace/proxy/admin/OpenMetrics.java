package dev.infertrace.proxy.admin;

/** Small helpers for writing the OpenMetrics text format. */
final class OpenMetrics {
  static final String CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private OpenMetrics() {}

  static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v) + ".0";
    }
    return Double.toString(v);
  }

  static String escape(String v) {
    return dev.infertrace.core.metrics.PrometheusText.escapeLabelValue(v);
  }

  static void family(StringBuilder out, String name, String type, String unit, String help) {
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    if (!unit.isEmpty()) {
      out.append("# UNIT ").append(name).append(' ').append(unit).append('\n');
    }
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
  }
}
