package dev.infertrace.testbed.soak;

import dev.infertrace.proxy.otlp.OtlpReceiver;
import dev.infertrace.testbed.cluster.TracedCluster;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import javax.annotation.Nullable;

/**
 * The collector of the soak: an OTLP receiver (gRPC and HTTP) on fixed loopback ports that can be
 * killed and started again on the same ports. It keeps no spans — a soak sends hundreds of
 * thousands — only their count, and for a short while the upstream port each ingress CLIENT span
 * went to, by trace id: the worker a failed request touched. Thread-safe.
 */
final class SoakCollector implements AutoCloseable {
  /** How long a trace's route is kept: long enough to classify a failure after its export. */
  static final long ROUTE_KEEP_NANOS = 120_000_000_000L;

  private record Route(long port, long seenNanos) {}

  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  private final LongAdder spans = new LongAdder();
  private final LongAdder exports = new LongAdder();
  private InetSocketAddress grpc = new InetSocketAddress("127.0.0.1", 0);
  private InetSocketAddress http = new InetSocketAddress("127.0.0.1", 0);
  @Nullable private OtlpReceiver receiver;

  /** Starts listening (on free ports the first time, then on the same ones). */
  synchronized void start() throws IOException, InterruptedException {
    if (receiver != null) {
      return;
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try {
        receiver = OtlpReceiver.start(grpc, http, this::accept, true);
        break;
      } catch (IOException | RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200); // the port of the killed one is not free yet
      }
    }
    grpc = new InetSocketAddress("127.0.0.1", receiver.grpcPort());
    http = new InetSocketAddress("127.0.0.1", receiver.httpPort());
  }

  /** Kills the receiver: its ports close, exports in flight fail. */
  synchronized void stop() {
    if (receiver != null) {
      receiver.close();
      receiver = null;
    }
  }

  /** {@code http://127.0.0.1:PORT} of the OTLP/gRPC receiver. */
  synchronized String grpcEndpoint() {
    return "http://127.0.0.1:" + grpc.getPort();
  }

  /** Spans received. */
  long spans() {
    return spans.sum();
  }

  /** Export requests received. */
  long exports() {
    return exports.sum();
  }

  /**
   * The upstream port of the ingress's CLIENT span in trace {@code traceId} (hex), or -1 when no
   * such span was received (lately).
   */
  long routeOf(String traceId) {
    Route r = routes.get(traceId);
    return r == null ? -1 : r.port();
  }

  /** Forgets routes older than {@link #ROUTE_KEEP_NANOS}. */
  void prune() {
    long now = System.nanoTime();
    routes.values().removeIf(r -> now - r.seenNanos() > ROUTE_KEEP_NANOS);
  }

  /** Routes held now (bounded by the rate times {@link #ROUTE_KEEP_NANOS}). */
  int routesHeld() {
    return routes.size();
  }

  private void accept(ExportTraceServiceRequest request, String transport) {
    exports.increment();
    long now = System.nanoTime();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      boolean ingress = TracedCluster.INGRESS_SERVICE.equals(service(rs));
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        spans.add(ss.getSpansCount());
        if (!ingress) {
          continue;
        }
        for (Span s : ss.getSpansList()) {
          if (s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT) {
            long port = intAttribute(s, "server.port");
            if (port > 0) {
              routes.put(
                  HexFormat.of().formatHex(s.getTraceId().toByteArray()), new Route(port, now));
            }
          }
        }
      }
    }
  }

  private static String service(ResourceSpans rs) {
    for (KeyValue kv : rs.getResource().getAttributesList()) {
      if (kv.getKey().equals("service.name")) {
        return kv.getValue().getStringValue();
      }
    }
    return "";
  }

  private static long intAttribute(Span s, String key) {
    for (KeyValue kv : s.getAttributesList()) {
      if (kv.getKey().equals(key)) {
        AnyValue v = kv.getValue();
        return v.hasIntValue() ? v.getIntValue() : -1;
      }
    }
    return -1;
  }

  @Override
  public void close() {
    stop();
  }
}
