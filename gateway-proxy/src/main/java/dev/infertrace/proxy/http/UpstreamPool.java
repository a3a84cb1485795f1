package dev.infertrace.proxy.http;

import io.netty.channel.Channel;
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
  private static final int MAX_IDLE_PER_UPSTREAM = 64;

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

  /** Returns a connection after a complete exchange; closes it when the pool is full. */
  void give(String authority, Channel ch) {
    Deque<Channel> q = idle.get().computeIfAbsent(authority, k -> new ArrayDeque<>());
    if (!ch.isActive() || q.size() >= MAX_IDLE_PER_UPSTREAM) {
      ch.close();
      return;
    }
    q.addFirst(ch);
  }
}
