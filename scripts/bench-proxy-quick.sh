#!/usr/bin/env bash
# scripts/bench-proxy-quick.sh — indicative cost of one infertrace hop (the worker role, tracing on,
# spans to a local file) on streaming requests, against the sim twin, on this 2-core machine.
# Direct and proxied runs use the same twin, load and settings, one after the other.
# Not the benchmark of issue 9 (no nginx/HAProxy baselines, no saturation sweep).
#
# Usage: scripts/bench-proxy-quick.sh [CONCURRENCY] [DURATION]   (default: 16 20s)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
concurrency=${1:-16}
duration=${2:-20s}
"$root/infertrace" --help >/dev/null
"$root/mvnw" -q -B -f "$root/pom.xml" -DskipTests package
tb="$root/testbed/target/infertrace-testbed.jar"
px="$root/gateway-proxy/target/infertrace-gateway-proxy.jar"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
java -jar "$tb" sim --port 18941 --dcgm-port 18942 --step-base-ms 2 --decode-ms-per-seq 0.01 >"$work/sim.log" 2>&1 &
java -jar "$px" worker --listen 127.0.0.1:18943 --upstream http://127.0.0.1:18941 --otlp-receiver off \
  --trace-file "$work/spans.jsonl" >"$work/worker.log" 2>&1 &
for _ in $(seq 100); do curl -sf http://127.0.0.1:18943/v1/models >/dev/null && break; sleep 0.1; done
load() {
  java -jar "$tb" load --url "$1" -c "$concurrency" -d "$duration" --input-tokens 100 \
    --shared-prefix 50 --output-tokens uniform:64,128 2>/dev/null
}
load http://127.0.0.1:18941 >/dev/null # warm-up of the twin and the JITs
load http://127.0.0.1:18943 >/dev/null
echo "== direct";  load http://127.0.0.1:18941
echo "== through the worker proxy";  load http://127.0.0.1:18943
echo "spans written: $(wc -l <"$work/spans.jsonl") export batches"
