#!/usr/bin/env bash
# scripts/bench-sim.sh — how many concurrent SSE streams and chunks/s one sim twin serves on ONE core.
#
# The twin is pinned to CPU 0 (and told it has one processor); the load generator runs on CPU 1.
# The simulated GPU is made nearly free (1 ms steps, no per-sequence cost) so that the twin's own
# CPU, not its step-time model, is what limits the rate.
#
# Usage: scripts/bench-sim.sh [CONCURRENCY] [DURATION]     (default: 256 20s)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
concurrency=${1:-256}
duration=${2:-20s}
jar="$root/testbed/target/infertrace-testbed.jar"
"$root/infertrace" --help >/dev/null # builds the jar when stale
[ -f "$jar" ] || "$root/mvnw" -q -B -f "$root/pom.xml" -pl testbed -am -DskipTests package
port=18931
taskset -c 0 java -XX:ActiveProcessorCount=1 -Xmx512m -jar "$jar" sim \
  --port "$port" --dcgm-port $((port + 1)) --max-num-seqs "$concurrency" \
  --step-base-ms 1 --decode-ms-per-seq 0 --kv-read-ms-per-1k-tokens 0 --prefill-ms-per-token 0.001 \
  >/tmp/bench-sim.log 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.1
done
taskset -c 1 java -jar "$jar" load --url "http://127.0.0.1:$port" -c "$concurrency" -d "$duration" \
  --input-tokens 50 --shared-prefix 20 --output-tokens uniform:256,512
echo "sim RSS: $(ps -o rss= -p $sim) KiB, CPU time: $(ps -o time= -p $sim)"
