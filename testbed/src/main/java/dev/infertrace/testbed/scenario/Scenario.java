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
    String name,
    String cause,
    String component,
    Kind kind,
    @Nullable String fault,
    String how,
    List<Scenario> with) {

  /** One cause alone. */
  public Scenario(
      String name, String cause, String component, Kind kind, @Nullable String fault, String how) {
    this(name, cause, component, kind, fault, how, List.of());
  }

  /**
   * Two causes injected at once, over the same window: {@code a}'s name, cause and component joined
   * with {@code b}'s by {@code +}. At most one of them may be carried by the clients.
   */
  static Scenario both(Scenario a, Scenario b) {
    if (a.kind().clientSide() && b.kind().clientSide()) {
      throw new IllegalArgumentException(
          "one client-side cause at a time: " + a.name() + ", " + b.name());
    }
    return new Scenario(
        a.name() + "+" + b.name(),
        a.cause(),
        a.component(),
        a.kind(),
        a.fault(),
        a.how() + "; and " + b.how(),
        List.of(b));
  }

  /** Each cause injected: this one, then those {@link #with} it. */
  public List<Scenario> parts() {
    List<Scenario> out = new ArrayList<>();
    out.add(new Scenario(name, cause, component, kind, fault, how));
    out.addAll(with);
    return out;
  }

  /**
   * Every cause's name joined by {@code +}, as the ground truth labels a request hit by several.
   */
  public String causes() {
    return String.join("+", parts().stream().map(Scenario::cause).toList());
  }

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
    /** Extra clients straight at every twin: the whole pool is short of capacity. */
    OVERLOAD_ALL,
    /** The network between the gateway and the target holds each request a while. */
    LINK_DELAY,
    /**
     * The target batches up to {@link ScenarioRun#WIDE_BATCH} sequences, and extra clients fill its
     * batch: every step decodes many more sequences, so each is slower.
     */
    WIDE_BATCH,
    /** The misbehaving clients read their streams slowly. */
    SLOW_CLIENT,
    /** The misbehaving clients hang up after a few tokens. */
    CLIENT_CANCEL,
    /** The misbehaving clients send prompts ten times longer. */
    LONG_PROMPT,
    /** The misbehaving clients' prompts share no prefix with anyone's. */
    PREFIX_MISS,
    /** The reference EPP holds every routing answer back. */
    EPP_DELAY,
    /**
     * The ingress's event loops are held now and then, all at once, as a stop-the-world pause or a
     * blocking call on the loop would hold them.
     */
    PROXY_STALL;

    /** Whether the misbehaving clients' prompts load the engine more than others'. */
    public boolean heavyPrompts() {
      return this == LONG_PROMPT || this == PREFIX_MISS;
    }

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
            "upstream-error",
            Verdict.UPSTREAM_ERROR,
            target(),
            Kind.TWIN_FAULT,
            "engine-error:status=500",
            "twin fault engine-error on w1: every completion answered 500 InternalServerError"));
    s.add(
        new Scenario(
            "network-delay",
            Verdict.NETWORK_DELAY,
            "network",
            Kind.LINK_DELAY,
            null,
            "the network from the gateway to w1 holds each request chunk "
                + ScenarioRun.LINK_DELAY.toMillis()
                + " ms (NetworkLink)"));
    s.add(
        new Scenario(
            "engine-queueing",
            Verdict.ENGINE_QUEUEING,
            "worker *",
            Kind.OVERLOAD_ALL,
            null,
            ScenarioRun.OVERLOAD_CLIENTS
                + " extra untraced clients straight at each twin (long outputs): every batch is"
                + " full, every queue long, no better worker to pick"));
    s.add(
        new Scenario(
            "misroute",
            Verdict.MISROUTE,
            "epp",
            Kind.OVERLOAD,
            null,
            ScenarioRun.OVERLOAD_CLIENTS
                + " extra untraced clients straight at w1's twin while the EPP picks at random:"
                + " requests sent to w1's long queue while w0 and w2 had none"));
    s.add(
        new Scenario(
            "batch-contention",
            Verdict.BATCH_CONTENTION,
            target(),
            Kind.WIDE_BATCH,
            null,
            "w1 runs with --max-num-seqs "
                + ScenarioRun.WIDE_BATCH
                + " and "
                + ScenarioRun.WIDE_BATCH_CLIENTS
                + " extra untraced clients fill its batch: every decode step carries ~"
                + ScenarioRun.WIDE_BATCH_CLIENTS
                + " sequences instead of ~2"));
    s.add(
        new Scenario(
            "long-prompt",
            Verdict.LONG_PROMPT,
            "worker *",
            Kind.LONG_PROMPT,
            null,
            "clients c0, c1 send prompts of "
                + ScenarioClient.LONG_PROMPT_WORDS
                + " words instead of at most 1100"));
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
    s.add(
        new Scenario(
            "proxy-stall",
            Verdict.PROXY_OVERHEAD,
            "ingress",
            Kind.PROXY_STALL,
            null,
            "every ingress event loop held "
                + ScenarioRun.PROXY_STALL.toMillis()
                + " ms every "
                + ScenarioRun.PROXY_STALL_EVERY.toMillis()
                + " ms, all at once (what a long GC pause or a blocking call on the loop does)"));
    Map<String, Scenario> byName = new LinkedHashMap<>();
    s.forEach(x -> byName.put(x.name(), x));
    // Two causes at once, on different components: each request is labelled with every cause it
    // was exposed to, and a verdict naming any one of them is right.
    s.add(both(byName.get("gpu-throttling"), byName.get("epp-slow")));
    s.add(both(byName.get("kv-pressure"), byName.get("long-prompt")));
    s.add(both(byName.get("network-delay"), byName.get("client-cancel")));
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
