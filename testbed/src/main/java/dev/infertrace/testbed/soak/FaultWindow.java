package dev.infertrace.testbed.soak;

/**
 * One fault of the soak: a component killed at {@code startNanos} and back at {@code endNanos}
 * (epoch nanoseconds; {@link Long#MAX_VALUE} while it is still down).
 *
 * @param target which one: a worker's name at the EPP ({@code w1}), or {@code all}
 */
public record FaultWindow(Component component, String target, long startNanos, long endNanos) {

  /** What the soak kills and restarts. */
  public enum Component {
    /** The OTLP receiver every proxy exports to, restarted on the same port. */
    COLLECTOR("collector"),
    /** Every twin's DCGM exporter listener, restarted on the same ports. */
    DCGM("dcgm"),
    /** The Endpoint Picker (the reference EPP behind the interposer), same port. */
    EPP("epp"),
    /** One worker's vLLM twin (API and DCGM exporter); its sidecar stays. */
    WORKER("worker");

    private final String label;

    Component(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    /**
     * Whether a request can fail because this component is down. Telemetry never costs a request
     * (the collector, the DCGM exporters), so their faults explain no failure.
     */
    public boolean onRequestPath() {
      return this == EPP || this == WORKER;
    }
  }

  /** This fault, ended at {@code end}. */
  public FaultWindow ended(long end) {
    return new FaultWindow(component, target, startNanos, end);
  }

  /** Whether {@code [from, to]} overlaps the fault, its end stretched by {@code graceNanos}. */
  public boolean overlaps(long from, long to, long graceNanos) {
    long end = endNanos == Long.MAX_VALUE ? Long.MAX_VALUE : endNanos + graceNanos;
    return from <= end && to >= startNanos;
  }

  /** {@code worker w1}, {@code collector}, ... */
  public String describe() {
    return target.equals("all") ? component.label() : component.label() + " " + target;
  }
}
