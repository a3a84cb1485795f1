#!/usr/bin/env bash
# scripts/train-image-aot.sh — the infertrace image's ahead-of-time cache (Java 25, JEP 483/514/515:
# its classes loaded and linked, and its methods' profiles, from a training run), made by the
# image's own runtime at the image's own paths, as the cache must be: unpacks the image's layers
# into a root filesystem (as scripts/check-image.sh does), runs its entrypoint there as a worker
# sidecar (chroot, as the image's user, private mount and pid namespaces) with
# -XX:AOTCacheOutput, in front of a stand-in OpenAI server that streams, sends it a few thousand
# chat and completions requests, streamed and not, then stops it; the JVM writes the cache as it
# exits. Spans go to the collector peer when scripts/install-peers.sh installed it (the export
# path is trained too), else nowhere.
#
# Usage: scripts/train-image-aot.sh IMAGE_TAR OUT_FILE
#   e.g. scripts/train-image-aot.sh gateway-proxy/target/jib-image.tar gateway-proxy/target/aot/infertrace.aot
# then build the image again with the cache in it:
#   ./mvnw -pl gateway-proxy -am package jib:buildTar -Dimage.aot=-XX:AOTCache=/app/aot/infertrace.aot
# (OUT_FILE in gateway-proxy/target/aot/ is what the image takes as /app/aot/).
# Needs root (chroot, unshare), python3 and curl.
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
image=$1 out=$2
# shellcheck source=lib/image.sh
. "$(dirname "$0")/lib/image.sh"
# shellcheck source=lib/peers.sh
. "$(dirname "$0")/lib/peers.sh"
requests=${TRAIN_REQUESTS:-2000}

work=$(mktemp -d)
pids=()
init=
cleanup() {
  local rc=$?
  [ -n "$init" ] && kill -KILL "$init" 2>/dev/null
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
unpack_image "$image" "$work"
# The entrypoint (java, its flags, the class path, the main class), less its own AOT options
# (-Dimage.aot), with the cache to write right after java.
command=("${image_entrypoint[0]}" -XX:AOTCacheOutput=/tmp/infertrace.aot)
for f in "${image_entrypoint[@]:1}"; do
  [[ $f == -XX:AOT* || $f == -Xshare:* ]] || command+=("$f")
done

up=$(free_port) listen=$(free_port) otlp=$(free_port)

# A stand-in OpenAI server: chat and completions, streamed (8 token chunks, then usage) or not.
cat >"$work/upstream.py" <<'PY'
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # each chunk leaves at once, as a server's flush does
    def log_message(self, *a): pass
    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        chat = self.path.endswith("/chat/completions")
        usage = {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20}
        if not req.get("stream"):
            choice = {"index": 0, "finish_reason": "length"}
            choice.update({"message": {"role": "assistant", "content": "one two three four five six seven eight"}} if chat else {"text": "one two three four five six seven eight"})
            body = json.dumps({"id": "cmpl-t", "object": "chat.completion" if chat else "text_completion", "created": 1, "model": req.get("model", "m"), "choices": [choice], "usage": usage}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
            return
        self.send_response(200); self.send_header("Content-Type", "text/event-stream"); self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
        def send(obj):
            data = b"data: " + (obj if isinstance(obj, bytes) else json.dumps(obj).encode()) + b"\n\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data)); self.wfile.flush()
        for i in range(8):
            delta = {"index": 0, "delta": {"content": " t%d" % i}} if chat else {"index": 0, "text": " t%d" % i}
            send({"id": "cmpl-t", "object": "chat.completion.chunk" if chat else "text_completion", "created": 1, "model": req.get("model", "m"), "choices": [delta]})
        send({"id": "cmpl-t", "object": "chat.completion.chunk", "created": 1, "model": req.get("model", "m"), "choices": [], "usage": usage})
        send(b"[DONE]")
        self.wfile.write(b"0\r\n\r\n"); self.wfile.flush()

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
python3 "$work/upstream.py" "$up" & pids+=($!)
exporter=(OTEL_TRACES_EXPORTER=none)
if [ -x "$otelcol" ]; then
  write_otelcol_conf "$work/otelcol.yaml" "$otlp"
  "$otelcol" --config "$work/otelcol.yaml" >"$work/otelcol.log" 2>&1 & pids+=($!)
  exporter=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp")
fi

echo "train-image-aot: user $image_user, ${command[*]} worker"
run_in_image "$work" "${exporter[@]}" OTEL_TRACES_SAMPLER=always_on -- \
  "${command[@]}" worker --listen "127.0.0.1:$listen" \
  --upstream "http://127.0.0.1:$up" --engine-metrics=off --otlp-receiver=off \
  >"$work/out.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do
  curl -s -o /dev/null "http://127.0.0.1:$listen/" && break
  kill -0 "$pid" 2>/dev/null || { sed 's/^/  | /' "$work/out.log" >&2; exit 1; }
  sleep 1
done

python3 - "$listen" "$requests" <<'PY'
import http.client, json, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
failed = 0
for i in range(n):
    chat, stream = i % 4 != 3, i % 3 != 2
    body = {"model": "m", "max_tokens": 8, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    if chat:
        body["messages"] = [{"role": "user", "content": "training request %d" % i}]
    else:
        body["prompt"] = "training request %d" % i
    conn.request("POST", "/v1/chat/completions" if chat else "/v1/completions", json.dumps(body),
                 {"Content-Type": "application/json", "traceparent": "00-%032x-%016x-01" % (i + 1, i + 1)})
    r = conn.getresponse(); r.read()
    failed += r.status != 200
    if (i + 1) % 1000 == 0:
        print("train-image-aot: %d requests, %d failed" % (i + 1, failed), flush=True)
sys.exit(1 if failed else 0)
PY

# A normal exit (SIGTERM) writes the cache: the training JVM hands its recording to a second one.
init=$(ps -o pid= --ppid "$pid" | tr -d ' ')
kill -TERM "$init"
rc=0
wait "$pid" || rc=$?
init=
if [ ! -s "$work/rootfs/tmp/infertrace.aot" ]; then
  echo "train-image-aot: FAILED: no cache written (exit status $rc); the entrypoint's output:" >&2
  sed 's/^/  | /' "$work/out.log" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
cp "$work/rootfs/tmp/infertrace.aot" "$out"
grep -E "AOTCache creation|\[error" "$work/out.log" | sed "s/^/  | /" || true
echo "train-image-aot: $out ($(du -h "$out" | cut -f1))"
