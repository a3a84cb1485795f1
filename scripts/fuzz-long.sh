#!/usr/bin/env bash
# A long coverage-guided run of one fuzz target, outside JUnit's short runs (src/docs/fuzzing.md).
#
#   scripts/fuzz-long.sh TARGET [RUNS] [RSS_LIMIT_MB]
#
# TARGET: sse | sniffer | prometheus | otlp | ext-proc. RUNS: inputs to execute (default 1000000).
# The run stops at the first uncaught exception (the input is written to target/fuzz/) or when
# the heap-plus-native memory passes RSS_LIMIT_MB (default 1024); the last line libFuzzer prints,
# "Done N runs in S second(s)", is the figure.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/fuzz-long.sh sse|sniffer|prometheus|otlp|ext-proc [RUNS] [RSS_LIMIT_MB]}
runs=${2:-1000000}
rss=${3:-1024}
case "$target" in
  sse) module=core class=dev.infertrace.core.stream.SseObserverFuzzTest ;;
  sniffer) module=core class=dev.infertrace.core.openai.OpenAiRequestSnifferFuzzTest ;;
  prometheus) module=core class=dev.infertrace.core.metrics.ScrapedPageFuzzTest ;;
  otlp) module=gateway-proxy class=dev.infertrace.proxy.export.OtlpFuzzTest ;;
  ext-proc) module=gateway-proxy class=dev.infertrace.proxy.epp.ExtProcFuzzTest ;;
  *) echo "unknown target '$target': sse, sniffer, prometheus, otlp or ext-proc" >&2; exit 2 ;;
esac

out="$module/target/fuzz/$target"
mkdir -p "$out/corpus"
cp_file="$PWD/$module/target/fuzz/classpath.txt"
# Compiled in the same reactor, so that gateway-proxy finds core's classes (nothing is installed).
./mvnw -B -q -o test-compile dependency:build-classpath -pl "$module" -am \
  -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
classpath="$module/target/test-classes:$module/target/classes:$(cat "$cp_file")"

# Jazzer's own launcher runs the @FuzzTest method directly. Our classes and the JSON and protobuf
# parsers they drive are instrumented, so those parsers' branches guide the fuzzer too. The heap is
# capped so that the memory bound is the fuzzer's -rss_limit_mb, not the machine's; -max_total_time
# lifts the annotation's short-run duration.
exec java -Xmx512m -cp "$classpath" com.code_intelligence.jazzer.Jazzer \
  --target_class="$class" \
  --instrumentation_includes='dev.infertrace.**:com.fasterxml.jackson.**:com.google.protobuf.**' \
  -runs="$runs" -max_total_time=86400 -rss_limit_mb="$rss" -artifact_prefix="$out/" "$out/corpus"
