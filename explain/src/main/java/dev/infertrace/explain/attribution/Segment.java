package dev.infertrace.explain.attribution;

/**
 * One named stretch of a request's time, seconds. The names, in the order they happen:
 *
 * <ul>
 *   <li>{@code client.request_read} — the ingress reading the request from the client
 *   <li>{@code route} — the gateway waiting for the EPP's routing answer
 *   <li>{@code upstream.connect} — the ingress taking or opening its upstream connection
 *   <li>{@code network.to_worker} — from the ingress forwarding to the worker receiving (gateway,
 *       network)
 *   <li>{@code worker.request_read}, {@code worker.connect} — the worker sidecar's own steps
 *   <li>{@code queue}, {@code prefill}, {@code decode} (or {@code first_token_wait}, {@code decode}
 *       when vLLM's own span did not come) — the engine's phases; {@code engine.other} — engine
 *       time outside them (vLLM's HTTP server, detokenisation); {@code engine} — the engine as one
 *       piece when no phase was recorded
 *   <li>{@code route.response} — the response head held for the EPP's answer to it
 *   <li>{@code relay} — the worker waiting to hand bytes on that no known wait explains
 *   <li>{@code client.slow_read} — waiting for a client that did not read
 *   <li>{@code network.from_worker} — from the worker's last byte to the ingress's
 *   <li>{@code unobserved(X→Y)} — time between two hops with no sidecar to see it
 * </ul>
 */
public record Segment(String name, double seconds) {
  public static final String CLIENT_REQUEST_READ = "client.request_read";
  public static final String ROUTE = "route";
  public static final String UPSTREAM_CONNECT = "upstream.connect";
  public static final String NETWORK_TO_WORKER = "network.to_worker";
  public static final String WORKER_REQUEST_READ = "worker.request_read";
  public static final String WORKER_CONNECT = "worker.connect";
  public static final String ENGINE = "engine";
  public static final String ENGINE_OTHER = "engine.other";
  public static final String ROUTE_RESPONSE = "route.response";
  public static final String RELAY = "relay";
  public static final String CLIENT_SLOW_READ = "client.slow_read";
  public static final String NETWORK_FROM_WORKER = "network.from_worker";

  /** The name of time between two hops that no sidecar observed. */
  public static String unobserved(String from, String to) {
    return "unobserved(" + from + "→" + to + ")";
  }
}
