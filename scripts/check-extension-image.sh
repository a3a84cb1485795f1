#!/usr/bin/env bash
# scripts/check-extension-image.sh — proves the infertrace-javaagent-extension image tarball (Jib,
# jib:buildTar) the way the OpenTelemetry Operator uses it, without a container runtime: unpacks its
# layers in order into a root filesystem and runs there, chrooted as the image's user with its Env,
# the Operator's init container command for spec.java.extensions[] {dir: /extensions}:
#   cp -r /extensions/. /otel-auto-instrumentation-java/extensions
# (into an empty directory standing for the pod's emptyDir), then checks that the copied jar is
# byte for byte JAR and that it is the only file. Needs root (chroot).
#
# Usage: scripts/check-extension-image.sh IMAGE_TAR JAR
#   e.g. scripts/check-extension-image.sh javaagent-extension/target/jib-image.tar \
#          javaagent-extension/target/infertrace-javaagent-extension-0.1.0-SNAPSHOT.jar
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
image=$1 jar=$2
# shellcheck source=lib/image.sh
. "$(dirname "$0")/lib/image.sh"
# Where the Operator mounts its volume in the init container (javaInstrMountPath), v0.144.0.
mount=/otel-auto-instrumentation-java

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unpack_image "$image" "$work"
user=$image_user env=("${image_env[@]}")

mkdir -p "$work/rootfs$mount"
chown "$user" "$work/rootfs$mount" # the emptyDir is writable by the pod's user
echo "check-extension-image: user $user: cp -r /extensions/. $mount/extensions"
env -i "${env[@]}" "$(command -v chroot)" --userspec="$user" "$work/rootfs" \
  cp -r /extensions/. "$mount/extensions"
copied=("$work/rootfs$mount/extensions"/*)
if [ ${#copied[@]} -ne 1 ] || ! cmp -s "${copied[0]}" "$jar"; then
  echo "check-extension-image: FAILED: $mount/extensions holds ${copied[*]##*/}, expected $(basename "$jar") unchanged" >&2
  exit 1
fi
echo "check-extension-image: $mount/extensions/$(basename "${copied[0]}") is the built jar ($(stat -c %s "$jar") bytes)"
