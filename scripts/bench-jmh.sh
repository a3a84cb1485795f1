#!/usr/bin/env bash
# JMH micro-benchmarks of the hot path (jmh/): SSE observer per chunk, request sniffing, span
# building. Usage: scripts/bench-jmh.sh [JMH options, e.g. -f 3 or a benchmark name regex]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/mvnw" -q -B -f "$root/pom.xml" -pl jmh -am -DskipTests package
exec java -jar "$root/jmh/target/infertrace-jmh.jar" "$@"
