package dev.infertrace.testbed.sim.fault;

import java.util.Map;
import javax.annotation.Nullable;

/**
 * One scheduled fault: active from {@code startNanos} (inclusive) to {@code endNanos} (exclusive),
 * on {@link dev.infertrace.testbed.sim.SimClock} time.
 *
 * @param id unique within one twin, for {@code DELETE /admin/faults/{id}}
 * @param gpu the GPU index it applies to, or null for all of them
 * @param params the type's parameters, defaults filled in
 */
public record Fault(
    long id,
    FaultType type,
    long startNanos,
    long endNanos,
    @Nullable Integer gpu,
    Map<String, Double> params) {

  public Fault {
    params = Map.copyOf(params);
  }

  /** True when the fault is in effect at {@code nowNanos}. */
  public boolean activeAt(long nowNanos) {
    return nowNanos >= startNanos && nowNanos < endNanos;
  }

  /** True when the fault applies to GPU {@code index}. */
  public boolean appliesToGpu(int index) {
    return gpu == null || gpu == index;
  }

  /** A parameter of the fault's type (always present: defaults are filled in). */
  public double param(String name) {
    Double value = params.get(name);
    if (value == null) {
      throw new IllegalArgumentException(type.wireName() + " has no parameter " + name);
    }
    return value;
  }
}
