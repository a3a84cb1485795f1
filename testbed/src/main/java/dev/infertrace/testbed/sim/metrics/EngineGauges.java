package dev.infertrace.testbed.sim.metrics;

/** The engine's current state, read at scrape time. Implementations are thread-safe. */
public interface EngineGauges {
  /** Requests in the running batch. */
  int running();

  /** Requests in the waiting queue. */
  int waiting();

  /** Fraction (0–1) of KV-cache blocks in use. */
  double kvCacheUsage();
}
