#!/usr/bin/env bash
# scripts/check-image.sh — proves an image tarball built by Jib (jib:buildTar) without a container
# runtime: unpacks its layers in order into a root filesystem, then runs the image's entrypoint
# there (chroot, as the image's user, with its Env, in private mount and pid namespaces with /proc
# mounted, as a runtime would) with the given arguments, until URL answers 200 or 60 s pass.
# Needs root (chroot, unshare). FILE=... arguments are copied into the image's /tmp first. URL
# "-": the command runs to completion and its exit status is the check's. CHECK_IMAGE_ENV="K=V ..."
# adds to the image's Env.
#
# Usage: scripts/check-image.sh IMAGE_TAR URL|- -- ARGS...
#   e.g. scripts/check-image.sh gateway-proxy/target/jib-image.tar https://127.0.0.1:18443/healthz \
#          -- inject-webhook --listen 127.0.0.1:18443 --tls-cert FILE=cert.pem ...
set -euo pipefail
[ $# -ge 3 ] && [ "$3" = "--" ] || { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
image=$1 url=$2
shift 3

work=$(mktemp -d)
pid=
cleanup() {
  local rc=$?
  if [ -n "$pid" ]; then
    # The entrypoint is pid 1 of its own pid namespace: killing it ends everything it started.
    # (unshare ignores SIGTERM while it waits, and chroot's user switch clears --kill-child.)
    local init
    init=$(ps -o pid= --ppid "$pid" | tr -d ' ')
    [ -n "$init" ] && kill -KILL "$init" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
mkdir -p "$work/image" "$work/rootfs"
tar -xf "$image" -C "$work/image"
config=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Config"])' "$work/image/manifest.json")
python3 - "$work/image" >"$work/layers" <<'PY'
import json, sys
print("\n".join(json.load(open(sys.argv[1] + "/manifest.json"))[0]["Layers"]))
PY
while read -r layer; do
  tar --warning=no-unknown-keyword -xf "$work/image/$layer" -C "$work/rootfs"
done <"$work/layers"
mkdir -p "$work/rootfs/proc" "$work/rootfs/tmp"
read_config() {
  python3 - "$work/image/$config" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["config"]
what = sys.argv[2]
if what == "user": print(c.get("User") or "0:0")
elif what == "env": print("\n".join(c.get("Env") or []))
else: print("\n".join(c.get("Entrypoint") or []))
PY
}
user=$(read_config user)
mapfile -t entrypoint < <(read_config entrypoint)
mapfile -t env < <(read_config env)
args=()
for a in "$@"; do
  if [[ $a == FILE=* ]]; then
    cp "${a#FILE=}" "$work/rootfs/tmp/" && chmod a+r "$work/rootfs/tmp/$(basename "${a#FILE=}")"
    args+=("/tmp/$(basename "${a#FILE=}")")
  else
    args+=("$a")
  fi
done
echo "check-image: user $user, entrypoint ${entrypoint[*]} ${args[*]}"
unshare -m -p --fork sh -c 'mount -t proc proc "$1/proc" && shift && exec "$@"' sh "$work/rootfs" \
  env -i "${env[@]}" ${CHECK_IMAGE_ENV:-} "$(command -v chroot)" --userspec="$user" "$work/rootfs" "${entrypoint[@]}" "${args[@]}" \
  >"$work/out.log" 2>&1 &
pid=$!
if [ "$url" = "-" ]; then
  # A command that runs to completion: its exit status is the check's.
  rc=0
  wait "$pid" || rc=$?
  pid=
  echo "check-image: exit status $rc"
  sed 's/^/  | /' "$work/out.log"
  exit "$rc"
fi
for _ in $(seq 1 60); do
  if curl -fsk -o /dev/null "$url"; then
    echo "check-image: $url answered 200"
    sed 's/^/  | /' "$work/out.log"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
echo "check-image: FAILED: $url did not answer; the entrypoint's output:" >&2
sed 's/^/  | /' "$work/out.log" >&2
exit 1
