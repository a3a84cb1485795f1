# shellcheck shell=bash
# Sourced by the probes that put the proxy between a fixed upstream and the collector peer.

# The collector peer (scripts/install-peers.sh), or $OTELCOL.
otelcol=${OTELCOL:-$HOME/.cache/infertrace/peers/bin/otelcol-infertrace}

# free_port: a TCP port free on 127.0.0.1 now, below the kernel's ephemeral range (as the tests'
# LoopbackPorts): a port from bind(0) can be taken by an outgoing connection or another bind(0)
# before the process it is meant for binds it. A random pick, so successive calls rarely repeat.
free_port() {
  python3 - <<'PY'
import random, socket
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError):
    low = 32768
for _ in range(1000):
    port = random.randint(10000, max(low - 1, 11000))
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("free_port: no free port on 127.0.0.1 in 10000-%d" % (low - 1))
PY
}

# write_nginx_conf DIR PORT CONNECTIONS: DIR/nginx.conf, an nginx on 127.0.0.1:PORT (one worker,
# no access log, keep-alive without limit) that answers every request with a fixed 260-byte chat
# completion, and /metrics with an idle vLLM's gauges (what an EPP scores endpoints by); run it
# with `nginx -c DIR/nginx.conf -p DIR`.
write_nginx_conf() {
  local dir=$1 port=$2 connections=$3
  local body='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"hello there, this is a fixed answer"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections $connections; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    location / { default_type application/json; return 200 '$body'; }
    location = /metrics {
      default_type text/plain;
      return 200 'vllm:num_requests_running{model_name="bench"} 0\nvllm:num_requests_waiting{model_name="bench"} 0\nvllm:kv_cache_usage_perc{model_name="bench"} 0.0\n';
    }
  }
}
CONF
}

# write_otelcol_conf FILE PORT: a collector config whose OTLP/gRPC receiver on 127.0.0.1:PORT
# takes traces and only counts them (debug exporter, basic verbosity, the first batch logged).
write_otelcol_conf() {
  cat >"$1" <<CONF
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:$2"}}}
exporters:
  debug: {verbosity: basic, sampling_initial: 1, sampling_thereafter: 1000000}
service:
  telemetry: {logs: {level: warn}, metrics: {level: none}}
  pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
CONF
}

# probe_setup NAME TOOL...: sets jar (the proxy jar of the checkout $INFERTRACE_HOME, default this
# one) and out ($OUT, or a new temporary directory), after checking that every TOOL, the jar and
# the collector are there; if not, says which (as NAME) and exits 2.
probe_setup() {
  local name=$1 tool root
  shift
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  jar=${INFERTRACE_HOME:-$root}/gateway-proxy/target/infertrace-gateway-proxy.jar
  out=${OUT:-$(mktemp -d)}
  mkdir -p "$out"
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$name: $tool not found" >&2; exit 2; }
  done
  [ -f "$jar" ] || { echo "$name: no $jar (./mvnw -B package -DskipTests)" >&2; exit 2; }
  [ -x "$otelcol" ] || { echo "$name: no collector at $otelcol (scripts/install-peers.sh)" >&2; exit 2; }
}

# write_chat_post FILE: a wrk script that POSTs the probes' chat completion request (the same body
# as scripts/one-at-a-time.c sends).
write_chat_post() {
  cat >"$1" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"bench","messages":[{"role":"user","content":"Say hello to the benchmark, in a short sentence please."}],"max_tokens":32}'
wrk.headers["Content-Type"] = "application/json"
LUA
}

# start_peers CONNECTIONS: the nginx upstream on $up (write_nginx_conf, in $out/nginx) and the
# collector on $otlp (write_otelcol_conf), in the background, their pids added to the caller's
# array pids; stop_pids (the caller's EXIT trap) stops them and whatever else pids holds.
start_peers() {
  write_nginx_conf "$out/nginx" "$up" "$1"
  write_otelcol_conf "$out/otelcol.yaml" "$otlp"
  nginx -c "$out/nginx/nginx.conf" -p "$out/nginx" &
  pids+=($!)
  "$otelcol" --config "$out/otelcol.yaml" >"$out/otelcol.log" 2>&1 &
  pids+=($!)
}

# start_traced_ingress [JVM option...]: the ingress from $jar on 127.0.0.1:$listen (admin on $admin)
# in front of $up, one event loop, every request traced to the OTLP/gRPC receiver on $otlp, its log
# in $out/ingress.log; the caller's environment reaches it (e.g. OTEL_BSP_SCHEDULE_DELAY=200
# start_traced_ingress …). Sets proxy (its pid, added to pids) and url (its chat completions URL)
# and returns once it answers there.
start_traced_ingress() {
  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$otlp OTEL_TRACES_SAMPLER=always_on \
    java -Xmx512m -XX:+UseSerialGC "$@" -jar "$jar" ingress --listen "127.0.0.1:$listen" \
    --upstream "http://127.0.0.1:$up" --io-threads 1 --admin "127.0.0.1:$admin" >"$out/ingress.log" 2>&1 &
  proxy=$!
  pids+=("$proxy")
  url=http://127.0.0.1:$listen/v1/chat/completions
  for _ in $(seq 100); do curl -sf -o /dev/null -XPOST "$url" -d '{"model":"bench","messages":[]}' && break; sleep 0.2; done
}

stop_pids() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
