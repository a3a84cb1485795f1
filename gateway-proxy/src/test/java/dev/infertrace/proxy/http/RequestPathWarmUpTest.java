package dev.infertrace.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infertrace.proxy.config.ProxyConfig;
import dev.infertrace.proxy.config.Role;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestPathWarmUp} on real event loops and loopback sockets: every request it sends is
 * answered through the copy of the pipeline, and a warm-up that cannot finish says why instead of
 * failing the start.
 */
class RequestPathWarmUpTest {
  /** Nothing listens here: the warm-up must never use the configured upstream. */
  private static final List<URI> NOWHERE = List.of(URI.create("http://127.0.0.1:9"));

  private static EventLoopGroup loops(int n) {
    return new MultiThreadIoEventLoopGroup(n, Transport.fromEnvironment().ioHandlerFactory());
  }

  private static RequestPathWarmUp.Outcome warm(ProxyConfig config, EventLoopGroup group) {
    return RequestPathWarmUp.run(
        config, group, Transport.fromEnvironment(), OpenTelemetry.noop(), false);
  }

  @Test
  void everyRequestIsAnsweredThroughTheCopyOnEachEventLoop() {
    for (Role role : Role.values()) {
      for (int threads : new int[] {1, 3}) {
        EventLoopGroup group = loops(threads);
        try {
          ProxyConfig config = ProxyConfig.builder(role, NOWHERE).ioThreads(threads).build();
          RequestPathWarmUp.Outcome o = warm(config, group);
          assertThat(o.failure()).as("%s, %d loops", role, threads).isNull();
          // 2 rounds of 3 requests on one connection per loop
          assertThat(o.requests()).as("%s, %d loops", role, threads).isEqualTo(6 * threads);
        } finally {
          group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
      }
    }
  }

  @Test
  void aWarmUpThatCannotFinishSaysWhyAndLeavesTheLoopsServing() throws Exception {
    EventLoopGroup group = loops(1);
    try {
      // Tried: a header limit below the warm-up's own request head: the copy answers 431.
      ProxyConfig tight =
          ProxyConfig.builder(Role.WORKER, NOWHERE).ioThreads(1).maxHeaderBytes(64).build();
      RequestPathWarmUp.Outcome o = warm(tight, group);
      assertThat(o.failure()).contains("431");
      assertThat(o.requests()).isZero();
      // The loops are left as they were: a warm-up of a sane configuration runs on them.
      RequestPathWarmUp.Outcome again =
          warm(ProxyConfig.builder(Role.WORKER, NOWHERE).ioThreads(1).build(), group);
      assertThat(again.failure()).isNull();
      assertThat(again.requests()).isEqualTo(6);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    // Tried: event loops already shut down: nothing can be bound on them.
    RequestPathWarmUp.Outcome closed =
        warm(ProxyConfig.builder(Role.INGRESS, NOWHERE).ioThreads(1).build(), group);
    assertThat(closed.failure()).isNotBlank();
    assertThat(closed.requests()).isZero();
  }
}
