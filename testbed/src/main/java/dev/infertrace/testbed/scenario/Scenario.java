package dev.infertrace.testbed.scenario;

import dev.infertrace.explain.verdict.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * One diagnosis scenario: a cause injected on one target for a window in the middle of a run, and
 * the label every request it affects gets.
 *
 * @param name the CLI name, e.g. {@code gpu-throttling}
 * @param cause the ground-truth cause, one of {@link Verdict}'s constants
 * @param component the ground-truth component ({@code worker w1}, {@code epp}, {@code client},
 *     {@code network}, {@code none}); {@code worker *} means the worker that served the request
 * @param kind how the cause is injected
 * @param fault for {@link Kind#TWIN_FAULT}, the twin's fault spec without its duration
 * @param how one line on the injection, for {@code --list} and the docs
 */
public record Scenario(
    String name, String cause, String component, Kind kind, @Nullable String fault, String how) {

  /** The faulted worker of every worker-side scenario. */
  public static final int TARGET = 1;

  /** How the cause gets in. */
  public enum Kind {
    /** Nothing is injected. */
    NONE,
    /** A fault of the target's twin ({@code sim.faults()}). */
    TWIN_FAULT,
    /** Extra clients straight at the target's twin, bypassing the traced path. */
    OVERLOAD,
    /** The misbehaving clients read their streams slowly. */
    SLOW_CLIENT,
    /** The misbehaving clients hang up after a few tokens. */
    CLIENT_CANCEL,
    /** The misbehaving clients send prompts ten times longer. */
    LONG_PROMPT,
    /** The misbehaving clients' prompts share no prefix with anyone's. */
    PREFIX_MISS,
    /** The reference EPP holds every routing answer back. */
    EPP_DELAY;

    /** Whether the cause is carried by some clients' requests rather than by a target. */
    public boolean clientSide() {
      return this == SLOW_CLIENT
          || this == CLIENT_CANCEL
          || this == LONG_PROMPT
          || this == PREFIX_MISS;
    }
  }

  /** The worker-side label: the faulted worker. */
  static String target() {
    return "worker w" + TARGET;
  }

  /** Every scenario, in run order. */
  public static List<Scenario> all() {
    List<Scenario> s = new ArrayList<>();
    s.add(
        new Scenario(
            "healthy", Verdict.HEALTHY, "none", Kind.NONE, null, "nothing injected (baseline)"));
    s.add(
        new Scenario(
            "gpu-throttling",
            Verdict.GPU_THROTTLING,
            target(),
            Kind.TWIN_FAULT,
            "thermal-throttle:smClockMhz=700,gpuTempC=92",
            "twin fault thermal-throttle on w1: SM clock 1980 -> 700 MHz, hw_thermal_slowdown"));
    s.add(
        new Scenario(
            "gpu-fault",
            Verdict.GPU_FAULT,
            target(),
            Kind.TWIN_FAULT,
            "stall:xid=79",
            "twin fault stall on w1: the engine stops, the GPU reports XID 79"));
    s.add(
        new Scenario(
            "kv-pressure",
            Verdict.KV_CACHE_PRESSURE,
            target(),
            Kind.TWIN_FAULT,
            "kv-pressure:blocksFraction=0.995",
            "twin fault kv-pressure on w1: 99.5% of the KV blocks taken (queueing, preemption)"));
    s.add(
        new Scenario(
            "network-delay",
            Verdict.NETWORK_DELAY,
            "network",
            Kind.TWIN_FAULT,
            "network-delay:requestDelayMs=100,responseDelayMs=1",
            "twin fault network-delay on w1: +100 ms before the request is read, +1 ms per write"));
    s.add(
        new Scenario(
            "engine-queueing",
            Verdict.ENGINE_QUEUEING,
            target(),
            Kind.OVERLOAD,
            null,
            "8 extra untraced clients straight at w1's twin (long outputs): its batch is full"));
    s.add(
        new Scenario(
            "long-prompt",
            Verdict.LONG_PROMPT,
            "worker *",
            Kind.LONG_PROMPT,
            null,
            "clients c0, c1 send prompts of 3000 words (about 3600 tokens) instead of <= 300"));
    s.add(
        new Scenario(
            "prefix-cache-miss",
            Verdict.PREFIX_CACHE_MISS,
            "worker *",
            Kind.PREFIX_MISS,
            null,
            "clients c0, c1 drop the shared 800-word system prompt for one of their own"));
    s.add(
        new Scenario(
            "slow-client",
            Verdict.SLOW_CLIENT,
            "client",
            Kind.SLOW_CLIENT,
            null,
            "clients c0, c1 read long streams slowly (4 KiB receive buffer, 10 KB/s)"));
    s.add(
        new Scenario(
            "client-cancel",
            Verdict.CLIENT_CANCEL,
            "client",
            Kind.CLIENT_CANCEL,
            null,
            "clients c0, c1 hang up after the third streamed token"));
    s.add(
        new Scenario(
            "epp-slow",
            Verdict.EPP_SLOW,
            "epp",
            Kind.EPP_DELAY,
            null,
            "the reference EPP holds each routing answer 250 ms (RefEpp.delayRouting)"));
    return s;
  }

  /** The scenarios named, in the order given; unknown names are rejected with the known ones. */
  public static List<Scenario> named(List<String> names) {
    Map<String, Scenario> byName = new LinkedHashMap<>();
    all().forEach(s -> byName.put(s.name(), s));
    List<Scenario> out = new ArrayList<>();
    for (String n : names) {
      Scenario s = byName.get(n.strip());
      if (s == null) {
        throw new IllegalArgumentException(
            "unknown scenario '" + n + "'; known: " + String.join(", ", byName.keySet()));
      }
      out.add(s);
    }
    return out;
  }

  /** The label of the requests it affects. */
  public Map<String, String> label() {
    return Map.of("cause", cause, "component", component);
  }
}
