package dev.infertrace.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive connections to the upstreams, one pool per event loop (so a connection is only
 * ever used by the loop that owns it, with no locking). Only touched from event-loop threads.
 */
final class UpstreamPool {
  /**
   * Idle connections kept per upstream and event loop; more are closed. As many as the streams a
   * loop may carry at once (nginx's bench setting is {@code keepalive 256}): with a small cap, 1000
   * streams ending at different moments close and reopen connections all the time.
   */
  static final int MAX_IDLE_PER_UPSTREAM = 1024;

  /**
   * A pooled connection idle this long is closed: under the 5 s keep-alive timeout of uvicorn
   * (vLLM's HTTP server), so the proxy never sends on a connection the upstream is closing.
   */
  static final java.time.Duration IDLE_CLOSE = java.time.Duration.ofSeconds(4);

  private final FastThreadLocal<Map<String, Deque<Channel>>> idle =
      new FastThreadLocal<>() {
        @Override
        protected Map<String, Deque<Channel>> initialValue() {
          return new HashMap<>();
        }
      };

  /** An idle, still-open connection to {@code authority}, or null. */
  Channel take(String authority) {
    Deque<Channel> q = idle.get().get(authority);
    if (q == null) {
      return null;
    }
    Channel ch;
    while ((ch = q.pollFirst()) != null) {
      if (ch.isActive()) {
        return ch;
      }
    }
    return null;
  }

  /**
   * Returns a connection after a complete exchange, with a read pending; closes it when the pool is
   * full.
   */
  void give(String authority, Channel ch) {
    Deque<Channel> q = idle.get().computeIfAbsent(authority, k -> new ArrayDeque<>());
    if (!ch.isActive() || q.size() >= MAX_IDLE_PER_UPSTREAM) {
      ch.close();
      return;
    }
    q.addFirst(ch);
    // A read stays pending while the connection idles: bytes the upstream sends unasked (a late
    // 408 as its keep-alive timer fires) are read as they come and close it (BackendHandler),
    // instead of being taken later as the answer to the next request sent on it. It also spares
    // the two epoll_ctl calls per request of clearing read interest and setting it again.
    ch.read();
  }

  /**
   * Drops this pool's idle lists on every loop of {@code group}, for a pool no longer used (the
   * warm-up's): each loop's list would otherwise hold its closed connections as long as the loop
   * runs.
   */
  void forget(EventLoopGroup group) {
    for (EventExecutor loop : group) {
      try {
        loop.submit((Runnable) idle::remove).syncUninterruptibly();
      } catch (java.util.concurrent.RejectedExecutionException stopped) {
        // a loop that has stopped keeps nothing
      }
    }
  }
}
