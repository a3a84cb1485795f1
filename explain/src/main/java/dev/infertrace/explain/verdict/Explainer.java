package dev.infertrace.explain.verdict;

import dev.infertrace.core.schema.DcgmAttributes;
import dev.infertrace.core.schema.HwAttributes;
import dev.infertrace.core.schema.LlmAttributes;
import dev.infertrace.core.schema.RouteAttributes;
import dev.infertrace.core.schema.SpanNames;
import dev.infertrace.core.schema.VllmAttributes;
import dev.infertrace.explain.attribution.Attribution;
import dev.infertrace.explain.attribution.Attributor;
import dev.infertrace.explain.attribution.Segment;
import dev.infertrace.explain.trace.SpanRecord;
import dev.infertrace.explain.trace.Trace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * One verdict per request of a window. A request is slow when its time is well above what its peers
 * (same model and size, {@link Baseline}) took, or when it missed its SLO; its verdict is the
 * segment that lost the most time against its peers, and the cause the evidence on that segment's
 * span shows — the GPU's clocks and their reasons, an XID, the engine's queue, batch, KV use and
 * preemptions, the candidates at the routing decision, the prompt's size and cache hits. Where the
 * evidence is missing the verdict says so ({@code cannot_tell}) rather than guess.
 */
public final class Explainer {
  /** A request is slow when it took this much more than typical, relatively... */
  static final double SLOW_RATIO = 0.25;

  /** ...and at least this much, absolutely (seconds): jitter below it is nobody's fault. */
  static final double SLOW_FLOOR_SECONDS = 0.025;

  /** The time to first token is slow when it is more than twice typical (this much above it)... */
  static final double SLOW_TTFT_RATIO = 1.0;

  /** ...and at least this much above it (seconds). */
  static final double SLOW_TTFT_FLOOR_SECONDS = 0.05;

  /**
   * When the segment that lost the most has no explanation on its span, one that lost at least this
   * share of that and has one decides.
   */
  static final double FALLBACK_SHARE = 0.5;

  /**
   * The segments whose ends the ingress's own event loop stamps: a stall of that loop lengthens
   * them. The engine's phases come from the worker's spans, which an ingress stall cannot move.
   */
  static final Set<String> TIMED_BY_INGRESS =
      Set.of(
          Segment.CLIENT_REQUEST_READ,
          Segment.ROUTE,
          Segment.UPSTREAM_CONNECT,
          Segment.NETWORK_TO_WORKER,
          Segment.ROUTE_RESPONSE,
          Segment.RELAY,
          Segment.CLIENT_SLOW_READ,
          Segment.NETWORK_FROM_WORKER);

  /**
   * The segments a stall of the worker's sidecar lengthens: its own reading and connecting, the
   * worker span's time outside the engine's phases, and the hops on either side of it.
   */
  static final Set<String> TIMED_BY_SIDECAR =
      Set.of(
          Segment.NETWORK_TO_WORKER,
          Segment.WORKER_REQUEST_READ,
          Segment.WORKER_CONNECT,
          Segment.ENGINE_OTHER,
          Segment.RELAY,
          Segment.NETWORK_FROM_WORKER);

  /**
   * A proxy whose event loop stood still for at least this share of what a segment lost is the
   * cause (a stall of that size is abnormal by itself: see {@code infertrace.event_loop.stalled}).
   */
  static final double STALL_SHARE = 0.5;

  /** The segments before the first token reaches the ingress: they make up its TTFT. */
  static final Set<String> BEFORE_FIRST_TOKEN =
      Set.of(
          Segment.CLIENT_REQUEST_READ,
          Segment.ROUTE,
          Segment.UPSTREAM_CONNECT,
          Segment.NETWORK_TO_WORKER,
          Segment.WORKER_REQUEST_READ,
          Segment.WORKER_CONNECT,
          "queue",
          "prefill",
          "first_token_wait");

  private Explainer() {}

  /** One request's verdict, with its split and how much time it lost against its peers. */
  public record Explained(
      String traceId, Attribution attribution, Verdict verdict, double typicalSeconds) {
    /** Seconds above typical (0 when none). */
    public double lost() {
      return Math.max(0, attribution.seconds() - typicalSeconds);
    }
  }

  /** The verdicts of every request (a trace with an ingress SERVER span) among {@code traces}. */
  public static List<Explained> explain(List<Trace> traces) {
    List<Trace> requests = new ArrayList<>();
    List<Baseline.Request> shapes = new ArrayList<>();
    for (Trace t : traces) {
      Attributor.ingress(t)
          .ifPresent(
              in ->
                  Attributor.attribute(t)
                      .ifPresent(
                          a -> {
                            requests.add(t);
                            shapes.add(request(in, a));
                          }));
    }
    List<Baseline.Request> healthyPeers = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      SpanRecord in = Attributor.ingress(requests.get(i)).orElseThrow();
      if (!failed(in)) {
        healthyPeers.add(shapes.get(i));
      }
    }
    Baseline baseline = new Baseline(healthyPeers);
    Window window = new Window(requests, shapes, baseline, healthyPeers);
    List<Explained> out = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      out.add(explain(requests.get(i), shapes.get(i), baseline, window));
    }
    return out;
  }

  private static Baseline.Request request(SpanRecord in, Attribution a) {
    String model = in.text(LlmAttributes.REQUEST_MODEL);
    return new Baseline.Request(
        a,
        model == null ? "" : model,
        tokens(in.number(LlmAttributes.USAGE_INPUT_TOKENS)),
        tokens(in.number(LlmAttributes.USAGE_OUTPUT_TOKENS)));
  }

  private static long tokens(double v) {
    return Double.isNaN(v) ? 0 : (long) v;
  }

  private static boolean failed(SpanRecord in) {
    return Boolean.TRUE.equals(in.attributes().get(LlmAttributes.CANCELLED))
        || in.text(LlmAttributes.ERROR_TYPE) != null
        || in.number(LlmAttributes.HTTP_STATUS) >= 500;
  }

  private static Explained explain(
      Trace trace, Baseline.Request r, Baseline baseline, Window window) {
    Attribution a = r.attribution();
    SpanRecord in = Attributor.ingress(trace).orElseThrow();
    List<String> names = a.segments().stream().map(Segment::name).toList();
    double typical = baseline.typicalTotal(r, names);
    SpanRecord worker = Attributor.worker(trace, in);
    String workerName =
        worker == null
            ? "upstream"
            : "worker "
                + worker.service().replaceFirst("^infertrace-", "").replaceFirst("^worker-", "");

    if (Boolean.TRUE.equals(in.attributes().get(LlmAttributes.CANCELLED))) {
      return new Explained(
          trace.traceId(),
          a,
          new Verdict(
              "client",
              "none",
              Verdict.CLIENT_CANCEL,
              String.format(Locale.ROOT, "the client went away after %.3f s", a.seconds())),
          typical);
    }
    String error = in.text(LlmAttributes.ERROR_TYPE);
    double status = in.number(LlmAttributes.HTTP_STATUS);
    if (error != null || status >= 500) {
      String component = error != null && error.startsWith("epp_") ? "epp" : workerName;
      return new Explained(
          trace.traceId(),
          a,
          new Verdict(
              component,
              "none",
              Verdict.UPSTREAM_ERROR,
              "status "
                  + (Double.isNaN(status) ? "-" : (long) status)
                  + (error == null ? "" : ", error.type " + error)),
          typical);
    }
    boolean missedSlo = Boolean.FALSE.equals(in.attributes().get(LlmAttributes.SLO_MET));
    Verdict held =
        heldByStall(in, a.seconds(), in.number(LlmAttributes.LATENCY_TIME_TO_FIRST_TOKEN));
    if (held != null) {
      return new Explained(trace.traceId(), a, held, typical);
    }
    double excess = a.seconds() - typical;
    double bar = Math.max(SLOW_RATIO * typical, SLOW_FLOOR_SECONDS);
    // Slow in all, or in one place by as much (another running faster than typical, such as a
    // short decode, does not make up for a client that kept the stream waiting).
    boolean slowTotal = excess > bar;
    for (Segment s : a.segments()) {
      slowTotal |= s.seconds() - baseline.typical(r, s.name()) > bar;
    }
    // The two latencies users hold a server to: end to end, and the time to the first token (a
    // prompt that prefilled 4x slower is slow even when a long answer hides it in the total).
    double[] f = firstToken(r, baseline);
    double ttft = f[0];
    double typicalTtft = f[1];
    boolean slowTtft =
        ttft - typicalTtft
            > Math.max(
                Math.max(SLOW_TTFT_RATIO * typicalTtft, SLOW_TTFT_FLOOR_SECONDS),
                window.ttftJitter);
    if (!missedSlo && !slowTotal && !slowTtft) {
      return new Explained(
          trace.traceId(),
          a,
          Verdict.healthy(
              String.format(
                  Locale.ROOT,
                  "%.3f s vs %.3f s typical for its shape, first token after %.3f s vs %.3f s",
                  a.seconds(),
                  typical,
                  ttft,
                  typicalTtft)),
          typical);
    }
    // The segment that lost the most against its peers; only those before the first token when
    // it is the first token that came late.
    boolean firstTokenOnly = slowTtft && !slowTotal && !missedSlo;
    List<double[]> over = new ArrayList<>(); // {index, excess, typical}
    List<Segment> segments = a.segments();
    for (int i = 0; i < segments.size(); i++) {
      Segment s = segments.get(i);
      if (firstTokenOnly && !BEFORE_FIRST_TOKEN.contains(s.name())) {
        continue;
      }
      double t = baseline.typical(r, s.name());
      if (s.seconds() - t > 0) {
        over.add(new double[] {i, s.seconds() - t, t});
      }
    }
    if (over.isEmpty()) {
      return new Explained(
          trace.traceId(),
          a,
          Verdict.healthy("no segment above its typical time (missed its SLO as its peers do)"),
          typical);
    }
    over.sort((x, y) -> Double.compare(y[1], x[1]));
    // The segment that lost the most decides, when its span explains why. When it does not, a
    // segment that lost nearly as much (half of it or more) and whose span does explain why
    // decides instead, and the verdict says what was left unexplained.
    Verdict first = null;
    for (double[] o : over) {
      if (first != null && o[1] < FALLBACK_SHARE * over.get(0)[1]) {
        break;
      }
      Segment s = segments.get((int) o[0]);
      String lost =
          String.format(Locale.ROOT, "%s %.3f s vs %.3f s typical", s.name(), s.seconds(), o[2]);
      Verdict v = stalledProxy(in, worker, workerName, s.name(), lost, o[1]);
      if (v == null) {
        v = cause(trace, in, worker, workerName, s.name(), lost, a, r, window);
      }
      if (first == null) {
        first = v;
        if (!observed(s, a)) {
          break; // a blind spot stays a blind spot: no confident verdict around it
        }
      }
      if (!v.cause().equals(Verdict.CANNOT_TELL)) {
        if (v != first) {
          Segment top = segments.get((int) over.get(0)[0]);
          v =
              new Verdict(
                  v.component(),
                  v.phase(),
                  v.cause(),
                  String.format(
                      Locale.ROOT,
                      "%s; also %s %.3f s above typical, unexplained",
                      v.evidence(),
                      top.name(),
                      over.get(0)[1]));
        }
        return new Explained(trace.traceId(), a, v, typical);
      }
    }
    return new Explained(trace.traceId(), a, first, typical);
  }

  /** {time to first token, its typical}: the segments before it added up, seconds. */
  private static double[] firstToken(Baseline.Request r, Baseline baseline) {
    double ttft = 0;
    double typical = 0;
    for (Segment s : r.attribution().segments()) {
      if (BEFORE_FIRST_TOKEN.contains(s.name())) {
        ttft += s.seconds();
        typical += baseline.typical(r, s.name());
      }
    }
    return new double[] {ttft, typical};
  }

  /** The median plus five median absolute deviations (scaled to a normal's sigma). */
  static double robustSpread(List<Double> values) {
    if (values.isEmpty()) {
      return 0;
    }
    double median = Window.median(values);
    List<Double> deviations = new ArrayList<>();
    for (double v : values) {
      deviations.add(Math.abs(v - median));
    }
    return median + 5 * 1.4826 * Window.median(deviations);
  }

  /** Whether the segment was seen by sidecars on clocks that agree. */
  private static boolean observed(Segment s, Attribution a) {
    return !s.name().startsWith("unobserved")
        && a.notes().stream().noneMatch(n -> n.startsWith("clock skew"));
  }

  /**
   * The proxy's own event loop stood still for most of the time the segment lost (a pause, a
   * blocking call, a starved CPU): whatever segment the time fell into, the proxy lost it. The
   * ingress first (it holds the request from end to end), then the worker's sidecar.
   */
  @Nullable
  private static Verdict stalledProxy(
      SpanRecord in,
      @Nullable SpanRecord worker,
      String workerName,
      String segment,
      String lost,
      double excessSeconds) {
    SpanRecord[] proxies = {in, worker};
    String[] names = {"ingress", workerName + " sidecar"};
    List<Set<String>> timedBy = List.of(TIMED_BY_INGRESS, TIMED_BY_SIDECAR);
    for (int i = 0; i < proxies.length; i++) {
      if (proxies[i] != null
          && timedBy.get(i).contains(segment)
          && proxies[i].attributes().get(LlmAttributes.EVENT_LOOP_STALLED) instanceof Number n
          && n.doubleValue() >= STALL_SHARE * excessSeconds) {
        return new Verdict(
            names[i],
            segment,
            Verdict.PROXY_OVERHEAD,
            String.format(
                Locale.ROOT,
                "%s; the %s's event loop stood still %.3f s while it held the request",
                lost,
                names[i],
                n.doubleValue()));
      }
    }
    return null;
  }

  /**
   * The ingress's event loop held the request long enough to slow it by the same rules as a slow
   * request, against the request's own time without the hold rather than its peers' (a stall is an
   * added wait, and when it holds every request of the window, the peers are slow too): its first
   * token held more than its own time to first token (and 50 ms), or its end more than a quarter of
   * its own duration (and 25 ms). The first token is held by a stall that held the request on its
   * way upstream (reading, routing, connecting) as much as by one that held the token itself. A
   * request that arrived during a stall waited in the kernel before its span: half the stall, as
   * expected, counts toward both.
   */
  @Nullable
  private static Verdict heldByStall(SpanRecord in, double seconds, double ttft) {
    double unread = stalled(in, LlmAttributes.EVENT_LOOP_STALLED_BEFORE_READ) / 2;
    double request = stalled(in, LlmAttributes.EVENT_LOOP_DELAY_REQUEST);
    double first = stalled(in, LlmAttributes.EVENT_LOOP_DELAY_FIRST_TOKEN);
    double end = stalled(in, LlmAttributes.EVENT_LOOP_DELAY_END);
    double firstHeld = request + first;
    boolean heldFirst =
        !Double.isNaN(ttft)
            && firstHeld + unread
                > Math.max(SLOW_TTFT_RATIO * (ttft - firstHeld), SLOW_TTFT_FLOOR_SECONDS);
    boolean heldEnd = end + unread > Math.max(SLOW_RATIO * (seconds - end), SLOW_FLOOR_SECONDS);
    if (!heldFirst && !heldEnd) {
      return null;
    }
    String phase =
        unread >= Math.max(Math.max(request, first), end)
            ? "before " + Segment.CLIENT_REQUEST_READ
            : heldFirst ? (request >= first ? "on its way upstream" : "first token") : "end";
    return new Verdict(
        "ingress",
        phase,
        Verdict.PROXY_OVERHEAD,
        String.format(
            Locale.ROOT,
            "the ingress's event loop stood still %.3f s while it held the request: on its way"
                + " upstream %.3f s, its first token held %.3f s, its end %.3f s, the request"
                + " unread up to %.3f s",
            stalled(in),
            request,
            first,
            end,
            2 * unread));
  }

  /** A proxy span's stall figure {@code key}, seconds; 0 without one. */
  private static double stalled(@Nullable SpanRecord proxy, String key) {
    return proxy != null && proxy.attributes().get(key) instanceof Number n ? n.doubleValue() : 0;
  }

  /** A proxy span's {@code infertrace.event_loop.stalled}, seconds; 0 without one. */
  private static double stalled(@Nullable SpanRecord proxy) {
    return stalled(proxy, LlmAttributes.EVENT_LOOP_STALLED);
  }

  private static Verdict cause(
      Trace trace,
      SpanRecord in,
      @Nullable SpanRecord worker,
      String workerName,
      String segment,
      String lost,
      Attribution a,
      Baseline.Request r,
      Window window) {
    if (segment.startsWith("unobserved")) {
      return Verdict.cannotTell(lost + ": no sidecar saw that stretch");
    }
    boolean skewed = a.notes().stream().anyMatch(n -> n.startsWith("clock skew"));
    switch (segment) {
      case Segment.ROUTE, Segment.ROUTE_RESPONSE -> {
        return new Verdict("epp", segment, Verdict.EPP_SLOW, lost);
      }
      case Segment.NETWORK_TO_WORKER, Segment.NETWORK_FROM_WORKER -> {
        if (skewed) {
          return Verdict.cannotTell(lost + ", but the hosts' clocks disagree: " + a.notes());
        }
        return new Verdict("network → " + workerName, segment, Verdict.NETWORK_DELAY, lost);
      }
      case Segment.CLIENT_SLOW_READ, Segment.CLIENT_REQUEST_READ -> {
        return new Verdict("client", segment, Verdict.SLOW_CLIENT, lost);
      }
      case Segment.UPSTREAM_CONNECT, Segment.RELAY -> {
        return new Verdict("ingress", segment, Verdict.PROXY_OVERHEAD, lost);
      }
      case Segment.WORKER_REQUEST_READ, Segment.WORKER_CONNECT -> {
        return new Verdict(workerName + " sidecar", segment, Verdict.PROXY_OVERHEAD, lost);
      }
      default -> {
        return engine(trace, in, worker, workerName, segment, lost, r, window);
      }
    }
  }

  /** A segment inside the engine: its phase span's GPU and engine state say why. */
  private static Verdict engine(
      Trace trace,
      SpanRecord in,
      @Nullable SpanRecord worker,
      String workerName,
      String segment,
      String lost,
      Baseline.Request r,
      Window window) {
    SpanRecord phase =
        worker == null
            ? null
            : trace.children(worker, s -> s.name().equals("llm." + segment)).stream()
                .findFirst()
                .orElse(null);
    SpanRecord evidence = phase != null ? phase : worker;
    if (evidence == null) {
      return Verdict.cannotTell(lost + ": no worker span to read the engine's state from");
    }
    double xid = evidence.number(DcgmAttributes.XID_ERRORS);
    if (!Double.isNaN(xid) && xid > 0) {
      return new Verdict(
          gpu(evidence, workerName),
          segment,
          Verdict.GPU_FAULT,
          String.format(
              Locale.ROOT,
              "%s; XID %.0f %.1f s into the phase",
              lost,
              xid,
              evidence.number(DcgmAttributes.XID_ERRORS_AT)));
    }
    // A throttled GPU slows every step: the queue behind it grows too, so it comes first.
    String throttle = throttled(evidence);
    if (throttle != null) {
      return new Verdict(
          gpu(evidence, workerName), segment, Verdict.GPU_THROTTLING, lost + "; " + throttle);
    }
    double kv = evidence.number(VllmAttributes.KV_CACHE_USAGE_PERC);
    double preempted = evidence.number(VllmAttributes.NUM_PREEMPTIONS);
    double waiting = evidence.number(VllmAttributes.NUM_REQUESTS_WAITING);
    double running = evidence.number(VllmAttributes.NUM_REQUESTS_RUNNING);
    String engineState =
        String.format(
            Locale.ROOT,
            "waiting up to %.0f, running up to %.0f, KV %.0f%%, %.0f preemption(s)",
            nz(waiting),
            nz(running),
            100 * nz(kv),
            nz(preempted));
    switch (segment) {
      case "queue", "first_token_wait" -> {
        if (kv >= 0.9 || preempted > 0) {
          return new Verdict(
              workerName, segment, Verdict.KV_CACHE_PRESSURE, lost + "; " + engineState);
        }
        String misroute = misroute(trace, worker);
        if (misroute != null) {
          return new Verdict("epp", "route", Verdict.MISROUTE, lost + "; " + misroute);
        }
        if (waiting >= 1) {
          return new Verdict(
              workerName, segment, Verdict.ENGINE_QUEUEING, lost + "; " + engineState);
        }
      }
      case "prefill" -> {
        double prompt = r.inputTokens();
        double typicalPrompt = window.medianInput(r.model());
        if (typicalPrompt > 0 && prompt >= 2 * typicalPrompt) {
          return new Verdict(
              workerName,
              segment,
              Verdict.LONG_PROMPT,
              String.format(
                  Locale.ROOT,
                  "%s; prompt %.0f tokens vs %.0f typical",
                  lost,
                  prompt,
                  typicalPrompt));
        }
        double cached = in.number(LlmAttributes.USAGE_CACHED_TOKENS);
        double typicalHit = window.medianCacheHit(r.model());
        Verdict contention = contention(workerName, segment, lost, engineState, running, window);
        if (contention != null) {
          return contention;
        }
        if (Double.isNaN(cached)) {
          // No cached-token count (vLLM reports it only with --enable-prompt-tokens-details): a
          // prompt of usual size, on a GPU at full clock, in a usual batch, that still took this
          // much longer was computed rather than reused from the prefix cache.
          return new Verdict(
              workerName,
              segment,
              Verdict.PREFIX_CACHE_MISS,
              String.format(
                  Locale.ROOT,
                  "%s; prompt %.0f tokens (typical %.0f), GPU at full clock, batch usual: computed,"
                      + " not reused from the prefix cache (inferred: no cached-token count)",
                  lost,
                  prompt,
                  typicalPrompt));
        }
        if (!Double.isNaN(cached)
            && prompt > 0
            && typicalHit > 0.2
            && cached / prompt < typicalHit / 2) {
          return new Verdict(
              workerName,
              segment,
              Verdict.PREFIX_CACHE_MISS,
              String.format(
                  Locale.ROOT,
                  "%s; %.0f of %.0f prompt tokens cached vs %.0f%% typical",
                  lost,
                  cached,
                  prompt,
                  100 * typicalHit));
        }
      }
      case "decode" -> {
        // Preempted with the KV cache full: the pressure is the cause, preemption its mechanism.
        if (preempted > 0) {
          return new Verdict(
              workerName,
              segment,
              kv >= 0.9 ? Verdict.KV_CACHE_PRESSURE : Verdict.PREEMPTION,
              lost + "; " + engineState);
        }
        Verdict contention = contention(workerName, segment, lost, engineState, running, window);
        if (contention != null) {
          return contention;
        }
      }
      default -> {}
    }
    return new Verdict(
        workerName,
        segment,
        Verdict.CANNOT_TELL,
        lost + "; nothing on the spans explains it (" + engineState + ")");
  }

  /** A batch well above the window's usual size (1.5× and 2 more), or null. */
  @Nullable
  private static Verdict contention(
      String workerName,
      String segment,
      String lost,
      String engineState,
      double running,
      Window window) {
    double typical = window.medianRunning();
    if (Double.isNaN(running) || running < Math.max(1.5 * typical, typical + 2)) {
      return null;
    }
    return new Verdict(
        workerName,
        segment,
        Verdict.BATCH_CONTENTION,
        String.format(Locale.ROOT, "%s; %s (typical batch %.0f)", lost, engineState, typical));
  }

  /** Why the GPU's clocks were held down over the phase, or null when they were not. */
  @Nullable
  private static String throttled(SpanRecord p) {
    List<String> reasons = new ArrayList<>(p.texts(DcgmAttributes.CLOCKS_EVENT_REASONS));
    reasons.removeIf(x -> x.equals("gpu_idle") || x.equals("display_clock_setting"));
    double clock = p.number(DcgmAttributes.SM_CLOCK);
    double limit = p.number(DcgmAttributes.SM_CLOCK_LIMIT);
    boolean known = !Double.isNaN(clock) && !Double.isNaN(limit);
    // A reason bit with the clock still at its maximum held nothing down (a GPU at its power cap
    // sets sw_power_cap before it lowers a clock); far under the maximum, it was held down even
    // when the exporter gives no reason field.
    boolean held = !reasons.isEmpty() && (!known || clock < 0.97 * limit);
    if (!held && !(known && clock < 0.85 * limit)) {
      return null;
    }
    return String.format(
        Locale.ROOT,
        "SM clock %.0f of %s MHz%s",
        clock,
        Double.isNaN(limit) ? "?" : String.format(Locale.ROOT, "%.0f", limit),
        reasons.isEmpty() ? "" : ", " + String.join(", ", reasons));
  }

  private static String gpu(SpanRecord p, String workerName) {
    List<String> ids = p.texts(HwAttributes.ID);
    return ids.isEmpty()
        ? "gpu of " + workerName
        : "gpu " + String.join(",", ids) + " (" + workerName + ")";
  }

  /**
   * When the routing decision passed over a candidate that was clearly less loaded: the chosen
   * endpoint's queue at decision time against the shortest other one; null otherwise.
   */
  @Nullable
  private static String misroute(Trace trace, @Nullable SpanRecord worker) {
    SpanRecord route = trace.find(s -> s.name().equals(SpanNames.ROUTE)).orElse(null);
    if (route == null) {
      return null;
    }
    double chosen = Double.NaN;
    double best = Double.POSITIVE_INFINITY;
    String bestName = "";
    for (SpanRecord.Event e : route.events()) {
      if (!e.name().equals(SpanNames.ROUTE_CANDIDATE_EVENT)) {
        continue;
      }
      Object w = e.attributes().get(VllmAttributes.NUM_REQUESTS_WAITING);
      if (!(w instanceof Number n)) {
        continue;
      }
      if (Boolean.TRUE.equals(e.attributes().get(RouteAttributes.CHOSEN))) {
        chosen = n.doubleValue();
      } else if (n.doubleValue() < best) {
        best = n.doubleValue();
        bestName = String.valueOf(e.attributes().get(RouteAttributes.CANDIDATE_NAME));
      }
    }
    if (Double.isNaN(chosen) || chosen < best + 2 || chosen < 2 * Math.max(best, 0.5)) {
      return null;
    }
    return String.format(
        Locale.ROOT,
        "routed to a queue of %.0f while %s had %.0f at the decision",
        chosen,
        bestName,
        best);
  }

  private static double nz(double v) {
    return Double.isNaN(v) ? 0 : v;
  }

  /** Window-wide medians the causes compare with. */
  private static final class Window {
    private final List<Trace> requests;
    private final List<Baseline.Request> shapes;
    private final double medianRunning;

    /**
     * How far above typical the first token comes in this window without anything being wrong: the
     * robust spread ({@link #robustSpread}) of every healthy request's excess. On a busy host it
     * widens, and jitter is not blamed on whatever segment it fell in.
     */
    private final double ttftJitter;

    private final java.util.Map<String, Double> inputByModel = new java.util.HashMap<>();
    private final java.util.Map<String, Double> cacheHitByModel = new java.util.HashMap<>();

    Window(
        List<Trace> requests,
        List<Baseline.Request> shapes,
        Baseline baseline,
        List<Baseline.Request> healthyPeers) {
      this.requests = requests;
      this.shapes = shapes;
      List<Double> ttftExcess = new ArrayList<>();
      for (Baseline.Request r : healthyPeers) {
        double[] f = firstToken(r, baseline);
        ttftExcess.add(f[0] - f[1]);
      }
      ttftJitter = robustSpread(ttftExcess);
      List<Double> running = new ArrayList<>();
      for (Trace t : requests) {
        for (SpanRecord s : t.spans()) {
          if (s.name().equals(SpanNames.DECODE)) {
            double v = s.number(VllmAttributes.NUM_REQUESTS_RUNNING);
            if (!Double.isNaN(v)) {
              running.add(v);
            }
          }
        }
      }
      medianRunning = median(running);
    }

    double medianRunning() {
      return medianRunning;
    }

    /** The median prompt of a model's requests (computed once per model). */
    double medianInput(String model) {
      return inputByModel.computeIfAbsent(
          model,
          m -> {
            List<Double> v = new ArrayList<>();
            for (Baseline.Request r : shapes) {
              if (r.model().equals(m) && r.inputTokens() > 0) {
                v.add((double) r.inputTokens());
              }
            }
            return median(v);
          });
    }

    /**
     * The median share of a model's prompt tokens served from the prefix cache (once per model).
     */
    double medianCacheHit(String model) {
      return cacheHitByModel.computeIfAbsent(
          model,
          m -> {
            List<Double> v = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
              Baseline.Request r = shapes.get(i);
              SpanRecord in = Attributor.ingress(requests.get(i)).orElseThrow();
              double cached = in.number(LlmAttributes.USAGE_CACHED_TOKENS);
              if (r.model().equals(m) && r.inputTokens() > 0 && !Double.isNaN(cached)) {
                v.add(cached / r.inputTokens());
              }
            }
            return median(v);
          });
    }

    static double median(List<Double> v) {
      if (v.isEmpty()) {
        return 0;
      }
      double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
      Arrays.sort(a);
      return a[a.length / 2];
    }
  }
}
