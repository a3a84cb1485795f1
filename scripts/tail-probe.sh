#!/usr/bin/env bash
# The one-request-at-a-time tail of the traced ingress, and who held the CPU while a request
# waited. The saturation probe's setup (nginx answering a fixed chat completion upstream, the
# collector peer as the OTLP/gRPC receiver, the ingress with one event loop and every request
# traced), driven by a C client one request at a time (scripts/one-at-a-time.c), first at nginx
# directly, then through the ingress, then directly again. Prints each run's n, p50, p99, p99.9
# and max in µs and how many requests took over 1 ms.
#
# Usage: scripts/tail-probe.sh [JVM option...]   e.g. -Dotel.bsp.max.export.batch.size=128
# Env:   SECS             seconds per measured run (default 15)
#        PERF=1           also record the scheduler for 3 s of a further run through the ingress
#                         (perf sched, needs root) and print, for every wait over 0.5 ms of a thread
#                         on the request's path (the client, nginx, the ingress's event loop) between
#                         its wake-up and its run, which threads ran on that CPU meanwhile, in ms
#        INFERTRACE_HOME, OUT  as for scripts/saturation-probe.sh
# Needs: nginx, wrk, gcc (Debian packages), Java 17, the collector peer; perf for PERF=1.
set -euo pipefail
# shellcheck source=lib/peers.sh
. "$(dirname "$0")/lib/peers.sh"
probe_setup tail-probe nginx wrk gcc java
[ -z "${PERF:-}" ] || command -v perf >/dev/null || { echo "tail-probe: perf not found" >&2; exit 2; }
secs=${SECS:-15}
client=$out/one-at-a-time
gcc -O2 -Wall -o "$client" "$(dirname "$0")/one-at-a-time.c"

up=$(free_port); otlp=$(free_port); listen=$(free_port); admin=$(free_port)
write_chat_post "$out/post.lua"
pids=()
trap stop_pids EXIT
start_peers 4096
start_traced_ingress "$@"

echo "warm-up: 3 × 5 s at 64 connections, 10 s one at a time" >&2
for _ in 1 2 3; do wrk -t1 -c64 -d5s -s "$out/post.lua" "$url" >/dev/null; done
"$client" "$listen" 10 1e9 >/dev/null
sleep 5 # the warm-up's pooled upstream connections close idle (4 s) before anything is measured

run() { # NAME PORT
  local res
  res=$("$client" "$2" "$secs" 1000 2>"$out/slow-$1.txt")
  printf '%-8s %s, over 1 ms: %s\n' "$1:" "$res" "$(grep -c '^slow' "$out/slow-$1.txt" || true)"
}
run direct "$up"
run ingress "$listen"
run direct2 "$up"

if [ -n "${PERF:-}" ]; then
  "$client" "$listen" 6 1000 2>"$out/slow-perf.txt" >"$out/perf-run.txt" &
  client_pid=$!
  sleep 1.5
  perf sched record -o "$out/sched.data" -- sleep 3 >/dev/null 2>&1
  wait "$client_pid"
  perf sched timehist -i "$out/sched.data" >"$out/timehist.txt" 2>/dev/null
  echo "ingress, recorded: $(cat "$out/perf-run.txt")"
  python3 - "$out/timehist.txt" <<'PY'
import collections, re, sys
rows = []
for line in open(sys.argv[1]).readlines()[3:]:
    p = line.split()
    try:  # time, [cpu], task name (may hold spaces), wait time, sch delay, run time (ms)
        rows.append((float(p[0]), int(p[1].strip("[]")), re.sub(r"\[.*", "", " ".join(p[2:-3])),
                     float(p[-2]) / 1e3, float(p[-1]) / 1e3))
    except (ValueError, IndexError):
        continue
path = ("one-at-a-time", "nginx", "proxy-ingress")
held, waits, waited = collections.Counter(), 0, 0.0
for end, cpu, name, delay, run in rows:
    if not name.startswith(path) or delay <= 0.0005:
        continue
    waits += 1
    waited += delay
    woke, ran = end - run - delay, end - run
    for end2, cpu2, name2, _, run2 in rows:
        if cpu2 == cpu and name2 != name and end2 > woke and end2 - run2 < ran:
            held[name2] += min(end2, ran) - max(end2 - run2, woke)
print(f"{waits} waits over 0.5 ms on the request's path, {waited * 1e3:.1f} ms in all; "
      "who ran on that CPU meanwhile, ms:")
for name, s in held.most_common(10):
    print(f"  {s * 1e3:7.1f}  {name}")
PY
fi
echo "logs: $out" >&2
