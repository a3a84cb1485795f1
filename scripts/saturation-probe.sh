#!/usr/bin/env bash
# Where the traced ingress's CPU goes at saturation, thread by thread, and whether it kept every
# span. An nginx answering a fixed 260-byte chat completion is the upstream, the collector peer
# (otelcol-infertrace, scripts/install-peers.sh) is the OTLP/gRPC receiver, wrk drives 64
# keep-alive connections. Prints, per 8 s run, req/s, the ingress's CPU µs per request (/proc)
# and the TCP segments the host sent per request (4 when each of the request and the response
# crosses each of the two connections in one segment, with the ACKs riding on them; the OTLP
# export adds a few per batch), then the per-thread split of the last run and the span counts
# from /metrics.
#
# Usage: scripts/saturation-probe.sh [JVM option...]   e.g. -Dio.netty.leakDetection.level=simple
# Env:   INFERTRACE_HOME  a checkout whose gateway-proxy/target holds the jar to measure (default:
#                         this one), to compare two builds on the same machine
#        PROFILE=1        also write async-profiler CPU stacks (collapsed, per thread) of the measured runs
#                         to $OUT/prof-*.collapsed; ASYNC_PROFILER is libasyncProfiler.so
#        ALLOC=1          also record allocation with JDK Flight Recorder and print the bytes each
#                         thread allocated per request over the whole run (warm-up included) and
#                         the event loop's largest allocation sites ($OUT/alloc.jfr); unlike CPU
#                         time, these repeat from run to run on a noisy host
#        OUT              where logs go (default: a new temporary directory)
# Needs: nginx and wrk (Debian packages), Java 17, the collector peer.
set -euo pipefail
# shellcheck source=lib/peers.sh
. "$(dirname "$0")/lib/peers.sh"
probe_setup saturation-probe nginx wrk java

up=$(free_port); otlp=$(free_port); listen=$(free_port); admin=$(free_port)
write_chat_post "$out/post.lua"

pids=()
trap stop_pids EXIT
start_peers 4096
profile=()
if [ -n "${PROFILE:-}" ]; then
  profile=("-agentpath:${ASYNC_PROFILER:?libasyncProfiler.so}=start,event=cpu,interval=1ms,loop=4s,threads,file=$out/prof-%n.collapsed,collapsed")
fi
if [ -n "${ALLOC:-}" ]; then
  cat >"$out/alloc.jfc" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="allocation">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
  <event name="jdk.ObjectAllocationSample"><setting name="enabled">true</setting><setting name="throttle">300/s</setting><setting name="stackTrace">true</setting></event>
</configuration>
EOF
  profile+=("-XX:StartFlightRecording=name=alloc,settings=$out/alloc.jfc")
fi
OTEL_BSP_SCHEDULE_DELAY=200 start_traced_ingress "${profile[@]}" "$@"

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
# TCP segments sent on this host (/proc/net/snmp's OutSegs): every party's, ACKs included
out_segs() { awk '/^Tcp:/ { if (seen) print $12; seen = 1 }' /proc/net/snmp; }
for run in 1 2 3; do
  threads >"$out/t0"
  segs0=$(out_segs)
  res=$(wrk -t1 -c64 -d8s -s "$out/post.lua" "$url")
  segs1=$(out_segs)
  threads >"$out/t1"
  python3 - "$out/t0" "$out/t1" "$run" "$res" "$((segs1 - segs0))" <<'EOF'
import re, sys, collections
def load(p): return {l.split()[0]: (l.split()[1], int(l.split()[2])) for l in open(p)}
a, b, run, res, segs = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
reqs = int(re.search(r'(\d+) requests in', res).group(1))
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', res).group(1))
per = collections.Counter()
for t, (name, ticks) in b.items():
    per[re.sub(r'\d+', 'N', name)] += ticks - a.get(t, (name, 0))[1]
us = lambda ticks: ticks * 1e6 / 100 / reqs  # USER_HZ 100
print(f"run {run}: {rps:,.0f} req/s, {us(sum(per.values())):.1f} CPU µs/request,"
      f" {segs / reqs:.2f} TCP segments/request")
if run == '3':
    print('  per thread µs/request: ' + ', '.join(f"{k} {us(v):.1f}" for k, v in per.most_common(8) if v))
EOF
done
metrics=$(curl -s "http://127.0.0.1:$admin/metrics")
grep -E '^infertrace_spans_(created_total|total)' <<<"$metrics" || true
if [ -n "${ALLOC:-}" ]; then
  jcmd "$proxy" JFR.dump name=alloc filename="$out/alloc.jfr" >/dev/null
  spans=$(awk '/^infertrace_spans_created_total/{print $2}' <<<"$metrics")
  jfr print --json --events jdk.ThreadAllocationStatistics "$out/alloc.jfr" >"$out/threads.json"
  jfr print --json --stack-depth 16 --events jdk.ObjectAllocationSample "$out/alloc.jfr" >"$out/samples.json"
  python3 - "$out" "$spans" <<'EOF'
import collections, json, sys
out, requests = sys.argv[1], float(sys.argv[2]) / 2  # two spans per request
events = lambda f: json.load(open(f"{out}/{f}"))["recording"]["events"]
last = collections.Counter()
for e in events("threads.json"):
    v = e["values"]
    name = v["thread"]["javaName"] if v["thread"] else "?"
    last[name] = max(last[name], v["allocated"])
print("allocated bytes per request, whole run: " + ", ".join(
    f"{k} {v / requests:,.0f}" for k, v in last.most_common(4) if v / requests >= 1))
sites, total = collections.Counter(), 0
for e in events("samples.json"):
    v = e["values"]
    if not (v["eventThread"] or {}).get("javaName", "").startswith("proxy-ingress"):
        continue
    frames = (v["stackTrace"] or {}).get("frames", [])
    name = lambda f: f"{f['method']['type']['name'].rsplit('/', 1)[-1]}.{f['method']['name']}:{f['lineNumber']}"
    ours = next((name(f) for f in frames if "infertrace" in f["method"]["type"]["name"]), "-")
    site = f"{v['objectClass']['name'].rsplit('/', 1)[-1]} at {name(frames[0]) if frames else '?'} (from {ours})"
    sites[site] += v["weight"]
    total += v["weight"]
print("event loop's largest allocation sites (share of its sampled bytes):")
for site, w in sites.most_common(12):
    print(f"  {w / total * 100:4.1f} %  {site}")
EOF
fi
echo "logs: $out" >&2
