#!/usr/bin/env bash
# Where the traced ingress's CPU goes at saturation, thread by thread, and whether it kept every
# span. An nginx answering a fixed 260-byte chat completion is the upstream, the collector peer
# (otelcol-infertrace, scripts/install-peers.sh) is the OTLP/gRPC receiver, wrk drives 64
# keep-alive connections. Prints, per 8 s run, req/s and the ingress's CPU µs per request
# (/proc), then the per-thread split of the last run and the span counts from /metrics.
#
# Usage: scripts/saturation-probe.sh [JVM option...]   e.g. -Dio.netty.leakDetection.level=simple
# Env:   INFERTRACE_HOME  a checkout whose gateway-proxy/target holds the jar to measure (default:
#                         this one), to compare two builds on the same machine
#        PROFILE=1        also write async-profiler CPU stacks (collapsed) of the measured runs
#                         to $OUT/prof-*.collapsed; ASYNC_PROFILER is libasyncProfiler.so
#        OUT              where logs go (default: a new temporary directory)
# Needs: nginx and wrk (Debian packages), Java 17, the collector peer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
home=${INFERTRACE_HOME:-$root}
jar=$home/gateway-proxy/target/infertrace-gateway-proxy.jar
otelcol=${OTELCOL:-$HOME/.cache/infertrace/peers/bin/otelcol-infertrace}
out=${OUT:-$(mktemp -d)}
for tool in nginx wrk java; do
  command -v "$tool" >/dev/null || { echo "saturation-probe: $tool not found" >&2; exit 2; }
done
[ -f "$jar" ] || { echo "saturation-probe: no $jar (./mvnw -B package -DskipTests)" >&2; exit 2; }
[ -x "$otelcol" ] || { echo "saturation-probe: no collector at $otelcol (scripts/install-peers.sh)" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up=$(free_port); otlp=$(free_port); listen=$(free_port); admin=$(free_port)
mkdir -p "$out/nginx"
body='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"hello there, this is a fixed answer"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
cat >"$out/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $out/nginx/nginx.pid;
error_log $out/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $out/nginx/body;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$up;
    location / { default_type application/json; return 200 '$body'; }
  }
}
EOF
cat >"$out/otelcol.yaml" <<EOF
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:$otlp"}}}
exporters:
  debug: {verbosity: basic, sampling_initial: 1, sampling_thereafter: 1000000}
service:
  telemetry: {logs: {level: warn}, metrics: {level: none}}
  pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
EOF
cat >"$out/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"model":"bench","messages":[{"role":"user","content":"Say hello to the benchmark, in a short sentence please."}],"max_tokens":32}'
wrk.headers["Content-Type"] = "application/json"
EOF

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
nginx -c "$out/nginx/nginx.conf" -p "$out/nginx" & pids+=($!)
"$otelcol" --config "$out/otelcol.yaml" >"$out/otelcol.log" 2>&1 & pids+=($!)
profile=()
if [ -n "${PROFILE:-}" ]; then
  profile=("-agentpath:${ASYNC_PROFILER:?libasyncProfiler.so}=start,event=cpu,interval=1ms,loop=4s,file=$out/prof-%n.collapsed,collapsed")
fi
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$otlp OTEL_TRACES_SAMPLER=always_on OTEL_BSP_SCHEDULE_DELAY=200 \
  java -Xmx512m -XX:+UseSerialGC "${profile[@]}" "$@" -jar "$jar" ingress --listen "127.0.0.1:$listen" \
  --upstream "http://127.0.0.1:$up" --io-threads 1 --admin "127.0.0.1:$admin" >"$out/ingress.log" 2>&1 &
proxy=$!; pids+=($proxy)
url=http://127.0.0.1:$listen/v1/chat/completions
for _ in $(seq 100); do curl -sf -o /dev/null -XPOST "$url" -d '{"model":"bench","messages":[]}' && break; sleep 0.2; done

threads() { # name utime+stime per thread, in clock ticks
  for t in /proc/$proxy/task/*; do
    s=$(cat "$t/stat" 2>/dev/null) || continue
    name=${s#*(}; name=${name%)*}; rest=${s##*) }
    # shellcheck disable=SC2086
    set -- $rest
    echo "${t##*/} ${name// /_} $((${12} + ${13}))"
  done
}
echo "warm-up: 4 × 5 s" >&2
for _ in 1 2 3 4; do wrk -t1 -c64 -d5s -s "$out/post.lua" "$url" >/dev/null; done
for run in 1 2 3; do
  threads >"$out/t0"
  res=$(wrk -t1 -c64 -d8s -s "$out/post.lua" "$url")
  threads >"$out/t1"
  python3 - "$out/t0" "$out/t1" "$run" "$res" <<'EOF'
import re, sys, collections
def load(p): return {l.split()[0]: (l.split()[1], int(l.split()[2])) for l in open(p)}
a, b, run, res = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3], sys.argv[4]
reqs = int(re.search(r'(\d+) requests in', res).group(1))
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', res).group(1))
per = collections.Counter()
for t, (name, ticks) in b.items():
    per[re.sub(r'\d+', 'N', name)] += ticks - a.get(t, (name, 0))[1]
us = lambda ticks: ticks * 1e6 / 100 / reqs  # USER_HZ 100
print(f"run {run}: {rps:,.0f} req/s, {us(sum(per.values())):.1f} CPU µs/request")
if run == '3':
    print('  per thread µs/request: ' + ', '.join(f"{k} {us(v):.1f}" for k, v in per.most_common(8) if v))
EOF
done
curl -s "http://127.0.0.1:$admin/metrics" | grep -E '^infertrace_spans_(created_total|total)' || true
echo "logs: $out" >&2
