package dev.infertrace.proxy.epp;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ingress's connection to an Endpoint Picker when it acts as the gateway ({@code --epp}): one
 * gRPC channel, the endpoints file for the fail-open fallback, the failure policy and the per
 * message timeout. Shared by all connections; thread-safe.
 */
public final class EppClient implements AutoCloseable {
  /** The longest {@link #prepare()} waits for the EPP's answer. */
  public static final Duration MAX_START_WAIT = Duration.ofSeconds(2);

  /** What happens to a request the EPP cannot route. */
  public enum FailureMode {
    /** Round-robin over the endpoints file (Envoy's {@code failure_mode_allow: true}). */
    OPEN,
    /** Answer 503 (Envoy's default). */
    CLOSED
  }

  private final InetSocketAddress address;
  private final ManagedChannel channel;
  private final List<Endpoint> endpoints;
  private final FailureMode failure;
  private final Duration timeout;
  private final AtomicInteger next = new AtomicInteger();
  private final Reconnects reconnects;
  private volatile String answered = "not asked yet";

  public EppClient(
      InetSocketAddress address, List<Endpoint> endpoints, FailureMode failure, Duration timeout) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("the endpoints file lists no endpoint");
    }
    this.address = address;
    this.channel = NettyChannelBuilder.forAddress(address).usePlaintext().build();
    this.reconnects = new Reconnects(channel);
    this.endpoints = List.copyOf(endpoints);
    this.failure = failure;
    this.timeout = timeout;
  }

  /**
   * Readies the ext_proc path before the first request, so that a cold JVM does not load it on an
   * event loop while requests wait ({@link ExtProcWarmUp}), and connects the channel with one gRPC
   * health check, waiting for it at most the per message timeout (and at most {@link
   * #MAX_START_WAIT}). An EPP that is not there yet is no error: requests then meet the failure
   * policy until it is, as they would at any other time.
   *
   * @return how the EPP answered, as {@link #answered()} gives it afterwards
   */
  public String prepare() {
    answered =
        ExtProcWarmUp.ready(
            channel, timeout.compareTo(MAX_START_WAIT) < 0 ? timeout : MAX_START_WAIT);
    return answered;
  }

  /**
   * How the EPP answered {@link #prepare()}'s health check: {@code answering}, {@code answering
   * (health SERVING)}, {@code not answering yet: UNAVAILABLE (...)}, or {@code not asked yet}.
   */
  public String answered() {
    return answered;
  }

  /** Opens one ext_proc stream whose callbacks run on {@code loop}. */
  public ExtProcStream open(
      EventLoop loop, Map<String, String> grpcHeaders, ExtProcStream.Listener listener) {
    return new ExtProcStream(channel, loop, timeout, grpcHeaders, listener);
  }

  /**
   * After a failed stream: lets the channel try to connect again at once (at most once a second)
   * rather than after gRPC's growing backoff, so a restarted EPP is used within a second.
   */
  public void onStreamFailed() {
    reconnects.afterFailure();
  }

  /** The next endpoint of the file, round-robin: where a request goes when the EPP fails open. */
  public Endpoint fallback() {
    return endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
  }

  /** The endpoints as {@code http://address:port} URLs. */
  public List<java.net.URI> endpointUris() {
    return endpoints.stream().map(e -> java.net.URI.create("http://" + e.hostPort())).toList();
  }

  public FailureMode failureMode() {
    return failure;
  }

  public InetSocketAddress address() {
    return address;
  }

  public Duration timeout() {
    return timeout;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
