#!/usr/bin/env bash
# The traced ingress's own cold start: how long from `java` to the first proxied answer, and what
# its first requests add over nginx's. An nginx answering a fixed chat completion is the
# upstream, the collector peer is the OTLP/gRPC receiver (as in saturation-probe.sh). For each
# start it prints the time to ready (process start to the first 200 through the proxy), then the
# added latency (proxied minus direct, same client, one keep-alive connection, one request at a
# time) of requests 1-10, 11-100, 101-1000 and 1001-3000, as p50 / p99 in ms.
#
# Usage: scripts/cold-start-probe.sh [JVM option...]   e.g. -XX:SharedArchiveFile=/tmp/app.jsa
# Env:   ROLE           ingress (default), worker (the sidecar; engine scrape and OTLP receiver off)
#                       or gateway (ingress --epp: each request asks this checkout's reference EPP,
#                       started once and warmed with an unmeasured start first, which picks nginx)
#        JAVA           the java to start the proxy with (default: java on PATH)
#        IMAGE          an image tarball (jib:buildTar) to start instead, unpacked and run as
#                       scripts/check-image.sh does (chroot, its user and Env, its entrypoint and
#                       JVM flags; the options given go in JDK_JAVA_OPTIONS); needs root
#        STARTS         how many cold starts (default 3)
#        INFERTRACE_HOME, OUT, OTELCOL as for saturation-probe.sh
# Needs: nginx (Debian package), python3, the collector peer.
set -euo pipefail
# shellcheck source=lib/peers.sh
. "$(dirname "$0")/lib/peers.sh"
java=${JAVA:-java}
probe_setup cold-start-probe nginx python3 "$java"

up=$(free_port); otlp=$(free_port)
# The client: waits for the first 200 through the proxy (that instant is "ready"), then times
# requests alternately through the proxy and straight to nginx on two keep-alive connections.
cat >"$out/client.py" <<'EOF'
import http.client, json, sys, time
started_ns, port, up, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
body = json.dumps({"model": "bench", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 32})
headers = {"Content-Type": "application/json"}
def once(conn):
    t = time.perf_counter_ns()
    conn.request("POST", "/v1/chat/completions", body, headers)
    r = conn.getresponse(); r.read()
    return r.status, (time.perf_counter_ns() - t) / 1e6
deadline = time.time() + 60
while True:
    try:
        proxy = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        status, first = once(proxy)
        if status == 200:
            break
    except OSError:
        pass
    if time.time() > deadline:
        sys.exit("the proxy was not ready in 60 s")
    time.sleep(0.005)
ready_ms = (time.time_ns() - started_ns) / 1e6
direct = http.client.HTTPConnection("127.0.0.1", up, timeout=10)
added = []
for i in range(n):
    _, p = once(proxy)
    _, d = once(direct)
    added.append(p - d)
def pct(v, q):
    v = sorted(v); k = (len(v) - 1) * q; f = int(k)
    return v[f] + (v[min(f + 1, len(v) - 1)] - v[f]) * (k - f)
cells = []
for lo, hi in ((0, 10), (10, 100), (100, 1000), (1000, n)):
    part = added[lo:hi]
    cells.append(f"{pct(part, .5):.3f} / {pct(part, .99):.3f}")
print(f"| {ready_ms:.0f} | {first:.1f} | " + " | ".join(cells) + " |", end="")
EOF

pids=()
trap stop_pids EXIT
start_peers 1024
sleep 1
echo "| ready ms | first request ms | added p50 / p99 ms: 1-10 | 11-100 | 101-1000 | 1001-3000 | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
role=${ROLE:-ingress}
extra=()
upstream=(--upstream "http://127.0.0.1:$up")
case $role in
  ingress) ;;
  worker) extra=(--engine-metrics=off --otlp-receiver=off) ;;
  gateway)
    role=ingress
    epp=$(free_port)
    printf 'endpoints:\n  - {name: nginx, address: 127.0.0.1, port: "%s"}\n' "$up" >"$out/endpoints.yaml"
    "$(dirname "$0")/../infertrace" ref-epp --listen "127.0.0.1:$epp" --endpoints "$out/endpoints.yaml" \
      >"$out/ref-epp.log" 2>&1 &
    pids+=($!)
    extra=(--epp "127.0.0.1:$epp" --endpoints "$out/endpoints.yaml")
    upstream=()
    ;;
  *) echo "cold-start-probe: ROLE is ingress, worker or gateway" >&2; exit 2 ;;
esac
if [ -n "${IMAGE:-}" ]; then
  # shellcheck source=lib/image.sh
  . "$(dirname "$0")/lib/image.sh"
  unpack_image "$IMAGE" "$out/image"
fi
starts=$(seq "${STARTS:-3}")
[ -n "${epp:-}" ] && starts="warm-up $starts" # the reference EPP's own JVM warms on a start not shown
for s in $starts; do
  listen=$(free_port)
  args=("$role" --listen "127.0.0.1:$listen" "${upstream[@]}" --io-threads 1 "${extra[@]}")
  otel=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp" OTEL_TRACES_SAMPLER=always_on)
  started=$(date +%s%N)
  if [ -n "${IMAGE:-}" ]; then
    run_in_image "$out/image" "${otel[@]}" JDK_JAVA_OPTIONS="$*" -- "${image_entrypoint[@]}" "${args[@]}" \
      >"$out/proxy-$s.log" 2>&1 &
  else
    env "${otel[@]}" "$java" -Xmx512m -XX:+UseSerialGC "$@" -jar "$jar" "${args[@]}" \
      >"$out/proxy-$s.log" 2>&1 &
  fi
  launched=$!
  pids+=("$launched") # stopped on the way out too, should the client fail
  if [ "$s" = warm-up ]; then
    python3 "$out/client.py" "$started" "$listen" "$up" 3000 >/dev/null
  else
    python3 "$out/client.py" "$started" "$listen" "$up" 3000
  fi
  proxy=$launched
  if [ -n "${IMAGE:-}" ]; then
    proxy=$(ps -o pid= --ppid "$launched" | tr -d ' ') # the entrypoint, pid 1 of its namespace
  fi
  [ "$s" = warm-up ] || echo " $(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$proxy/status") |"
  kill "$proxy"; wait "$launched" 2>/dev/null || true
done
