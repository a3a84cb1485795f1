#!/usr/bin/env bash
# scripts/check-image.sh — proves an image tarball built by Jib (jib:buildTar) without a container
# runtime: unpacks its layers in order into a root filesystem, then runs the image's entrypoint
# there (chroot, as the image's user, with its Env, in private mount and pid namespaces with /proc
# mounted and /dev bound in, as a runtime would) with the given arguments, until URL answers 200 or 60 s pass.
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
# shellcheck source=lib/image.sh
. "$(dirname "$0")/lib/image.sh"

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
unpack_image "$image" "$work"
args=()
for a in "$@"; do
  if [[ $a == FILE=* ]]; then
    cp "${a#FILE=}" "$work/rootfs/tmp/" && chmod a+r "$work/rootfs/tmp/$(basename "${a#FILE=}")"
    args+=("/tmp/$(basename "${a#FILE=}")")
  else
    args+=("$a")
  fi
done
echo "check-image: user $image_user, entrypoint ${image_entrypoint[*]} ${args[*]}"
read -ra extra_env <<<"${CHECK_IMAGE_ENV:-}"
run_in_image "$work" "${extra_env[@]}" -- "${image_entrypoint[@]}" "${args[@]}" >"$work/out.log" 2>&1 &
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
