package dev.infertrace.testbed.sim.fault;

import dev.infertrace.testbed.sim.SimClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The faults of one twin, queried by the engine, the GPU twins and the HTTP layer as they run.
 *
 * <p>Thread-safe: writers (the admin API, start-up) replace an immutable snapshot; readers, some on
 * the engine's hot path, only read the current one. Expired faults are dropped on each change.
 */
public final class FaultSchedule {
  private final SimClock clock;
  private final AtomicLong ids = new AtomicLong();
  private volatile List<Fault> faults = List.of();

  public FaultSchedule(SimClock clock) {
    this.clock = clock;
  }

  /** Places {@code spec} on the clock, starting {@code spec.startSeconds()} from now. */
  public Fault add(FaultSpec spec) {
    long now = clock.nowNanos();
    long start = now + Math.round(spec.startSeconds() * 1e9);
    Fault fault =
        new Fault(
            ids.incrementAndGet(),
            spec.type(),
            start,
            start + Math.round(spec.durationSeconds() * 1e9),
            spec.gpu(),
            spec.params());
    synchronized (this) {
      List<Fault> next = new ArrayList<>(unexpired(now));
      next.add(fault);
      faults = List.copyOf(next);
    }
    return fault;
  }

  /** The faults that are active or still to come. */
  public List<Fault> list() {
    return unexpired(clock.nowNanos());
  }

  /** Removes every fault; returns how many were removed. */
  public synchronized int clear() {
    int n = unexpired(clock.nowNanos()).size();
    faults = List.of();
    return n;
  }

  /** Removes the fault with {@code id}; false when there is none. */
  public synchronized boolean remove(long id) {
    List<Fault> next = new ArrayList<>(faults);
    boolean removed = next.removeIf(f -> f.id() == id);
    faults = List.copyOf(next);
    return removed;
  }

  /**
   * The SM clock GPU {@code gpu} runs at now: the lowest throttle in force, else {@code nominal}.
   */
  public double smClockMhz(int gpu, double nominal) {
    double clockMhz = nominal;
    long now = clock.nowNanos();
    for (Fault f : faults) {
      if (f.type() == FaultType.THERMAL_THROTTLE && f.activeAt(now) && f.appliesToGpu(gpu)) {
        clockMhz = Math.min(clockMhz, f.param("smClockMhz"));
      }
    }
    return clockMhz;
  }

  /** The temperature a throttled GPU heads for, or NaN when it is not throttled. */
  public double throttleTemperatureC(int gpu) {
    double temp = Double.NaN;
    long now = clock.nowNanos();
    for (Fault f : faults) {
      if (f.type() == FaultType.THERMAL_THROTTLE && f.activeAt(now) && f.appliesToGpu(gpu)) {
        temp = Double.isNaN(temp) ? f.param("gpuTempC") : Math.max(temp, f.param("gpuTempC"));
      }
    }
    return temp;
  }

  /** The fraction (0–1) of KV-cache blocks taken away now. */
  public double kvBlocksFractionWithheld() {
    return maxParam(FaultType.KV_PRESSURE, "blocksFraction", 0);
  }

  /** How many times slower prefill runs now (1 = normal). */
  public double prefillSlowdown() {
    return maxParam(FaultType.SLOW_PREFILL, "factor", 1);
  }

  /** The HTTP status every completion request gets now, or 0 when they are served. */
  public int errorStatus() {
    return (int) maxParam(FaultType.ENGINE_ERROR, "status", 0);
  }

  /** Added delay before a request is read, in nanoseconds. */
  public long requestDelayNanos() {
    return Math.round(maxParam(FaultType.NETWORK_DELAY, "requestDelayMs", 0) * 1e6);
  }

  /** Added delay before each response write, in nanoseconds. */
  public long responseDelayNanos() {
    return Math.round(maxParam(FaultType.NETWORK_DELAY, "responseDelayMs", 0) * 1e6);
  }

  /** When the current stall ends (clock nanoseconds), or 0 when the engine is not stalled. */
  public long stallEndNanos() {
    long end = 0;
    long now = clock.nowNanos();
    for (Fault f : faults) {
      if (f.type() == FaultType.STALL && f.activeAt(now)) {
        end = Math.max(end, f.endNanos());
      }
    }
    return end;
  }

  /** The XID that GPU {@code gpu} reports now because of a stall, or 0 for none. */
  public int activeXid(int gpu) {
    long now = clock.nowNanos();
    for (Fault f : faults) {
      if (f.type() == FaultType.STALL && f.activeAt(now) && f.appliesToGpu(gpu)) {
        return (int) f.param("xid");
      }
    }
    return 0;
  }

  private double maxParam(FaultType type, String name, double none) {
    double value = none;
    long now = clock.nowNanos();
    for (Fault f : faults) {
      if (f.type() == type && f.activeAt(now)) {
        value = Math.max(value, f.param(name));
      }
    }
    return value;
  }

  private List<Fault> unexpired(long now) {
    List<Fault> out = new ArrayList<>();
    for (Fault f : faults) {
      if (now < f.endNanos()) {
        out.add(f);
      }
    }
    return out;
  }
}
